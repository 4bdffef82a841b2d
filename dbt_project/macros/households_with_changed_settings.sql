{#
    For the incremental household marts: a predicate selecting every interval of a household whose settings
    (int_households_configured.settings_fingerprint: control area, EV, EV power, split rule, time zone) differ
    from those the rows of {{ this }} were built with, so editing seeds/household_settings.csv or a default_*
    var re-processes that household's whole history on the next run, not only the look-back window. Before
    {{ this }} has the settings_fingerprint column (a table built by an older version) every row is
    re-processed once.
#}
{% macro households_with_changed_settings(household_column) -%}
    {%- set processed_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'settings_fingerprint' in processed_columns -%}
        {{ household_column }} in (
            select configured.household_id
            from {{ ref('int_households_configured') }} as configured
            where not exists (
                select 1
                from {{ this }} as processed
                where
                    processed.household_id = configured.household_id
                    and processed.settings_fingerprint = configured.settings_fingerprint
            )
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
