{#
    The config of a model that grows with history and is incremental on its interval key (strategy window_replace,
    macros/attribution/incremental_replace.sql): replaced from replace_from on, new columns appended, indexed on
    interval_start_utc (the replace and the look-back) and source_loaded_at (the load watermark), plus
    extra_indexes. Call it where a model would call config():
        {{ window_replace_config(['household_id', 'resolution', 'interval_start_utc'], post_hook="...") }}
#}
{% macro window_replace_config(unique_key, extra_indexes=[], pre_hook=none, post_hook=none) -%}
    {%- set settings = {
        'materialized': 'incremental',
        'incremental_strategy': 'window_replace',
        'unique_key': unique_key,
        'on_schema_change': 'append_new_columns',
        'indexes': [{'columns': ['interval_start_utc']}, {'columns': ['source_loaded_at']}] + extra_indexes,
    } -%}
    {%- if pre_hook is not none -%}
        {%- do settings.update({'pre_hook': pre_hook}) -%}
    {%- endif -%}
    {%- if post_hook is not none -%}
        {%- do settings.update({'post_hook': post_hook}) -%}
    {%- endif -%}
    {{ config(**settings) }}
{%- endmacro %}
