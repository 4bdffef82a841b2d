{#
    Small helpers shared by the attribution models (intermediate/grid, intermediate/redispatch,
    intermediate/attribution, marts/emissions). Postgres only.
#}

{# Start of the UTC hour that contains ts (date_bin is time-zone independent, date_trunc is not). #}
{% macro utc_hour_start(ts) -%}
    date_bin(interval '1 hour', {{ ts }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{# Minutes of an ISO-8601 resolution such as 'PT5M', 'PT15M', 'PT1H'. #}
{% macro resolution_minutes(resolution) -%}
    (case
        when {{ resolution }} ~ '^PT[0-9]+M$' then substring({{ resolution }} from 'PT([0-9]+)M')::int
        when {{ resolution }} ~ '^PT[0-9]+H$' then 60 * substring({{ resolution }} from 'PT([0-9]+)H')::int
    end)
{%- endmacro %}

{#
    A text[] of flags from (condition, 'FLAG') pairs; false/null conditions are left out.
    flag_array([("x < 0", "NEGATIVE_VALUE_CLAMPED")]) -> array_remove(array[case when x < 0 then '...' end], null)
#}
{% macro flag_array(pairs) -%}
    array_remove(array[
        {%- for condition, flag in pairs %}
        case when {{ condition }} then '{{ flag }}' end{{ "," if not loop.last }}
        {%- endfor %}
    ]::text[], null)
{%- endmacro %}

{# Sorted, de-duplicated union of text[] expressions (nulls ignored). #}
{% macro flag_union(arrays) -%}
    array(
        select distinct flag_value
        from unnest(
            {%- for a in arrays %}
            coalesce({{ a }}, array[]::text[]){{ " ||" if not loop.last }}
            {%- endfor %}
        ) as flag_value
        where flag_value is not null
        order by flag_value
    )
{%- endmacro %}

{# The model scopes as a SQL values list: select scope from ({{ scope_values() }}) as s(scope) #}
{% macro scope_values() -%}
    values
    {%- for scope in var('attribution_scopes', ['direct', 'lifecycle']) %}
        ('{{ scope }}'){{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# A SQL array literal of the given strings. #}
{% macro text_array(values) -%}
    array[{%- for v in values %}'{{ v }}'{{ ", " if not loop.last }}{%- endfor %}]::text[]
{%- endmacro %}

{#
    Incremental predicate: rows of the last `incremental_lookback_days` before the current maximum of
    `column` in the existing table are re-evaluated (late, pending and revised data).
#}
{% macro attribution_lookback_predicate(column) -%}
    {{ column }} >= (
        select coalesce(max({{ column }}), timestamptz '1900-01-01 00:00:00+00')
            - interval '{{ var("incremental_lookback_days", 7) }} days'
        from {{ this }}
    )
{%- endmacro %}

{#
    Incremental predicate: rows of `relation_alias` (the model's input) whose key has no row in {{ this }} yet.
    A backfill loads intervals older than the look-back window after newer ones were processed (the UI's
    backfill dialog, `airflow backfill create`, a manual run with a window conf): without this they never
    reached the incremental marts. Revisions of intervals already processed still follow the look-back.
#}
{% macro missing_from_this(relation_alias, key_columns) -%}
    not exists (
        select 1
        from {{ this }} as processed
        where
            {%- for column in key_columns %}
            processed.{{ column }} = {{ relation_alias }}.{{ column }}{{ " and" if not loop.last }}
            {%- endfor %}
    )
{%- endmacro %}

{# var('german_control_areas') as a SQL list: ('50Hertz', 'Amprion', 'TenneT', 'TransnetBW') #}
{% macro german_control_areas_sql() -%}
    ('{{ var("german_control_areas", ["50Hertz", "Amprion", "TenneT", "TransnetBW"]) | join("', '") }}')
{%- endmacro %}

{#
    Pre-hook for the attribution models that join several aggregated CTEs: Postgres cannot estimate the row
    counts of aggregated CTEs and picks nested loops (one month of SMARD data: > 8 min instead of 8 s).
    `set local` only lasts for the model's transaction.
#}
{% macro attribution_planner_settings() -%}
    set local enable_nestloop = off
{%- endmacro %}

{#
    Post-hook of the incremental household facts: delete rows of {{ this }} whose key is no longer in
    `upstream` (rows at a resolution the household switched away from, raw rows deleted by hand). An
    incremental merge only replaces keys it sees again, so without this the superseded rows stayed and the
    monthly mart counted an hour twice (hourly and its four quarter-hours).
#}
{% macro delete_rows_gone_upstream(upstream, key_columns) -%}
    {%- if is_incremental() %}
        delete from {{ this }} as published
        where not exists (
            select 1
            from {{ upstream }} as current_rows
            where
                {%- for column in key_columns %}
                current_rows.{{ column }} = published.{{ column }}{{ " and" if not loop.last }}
                {%- endfor %}
        )
    {%- else %}
        select 1
    {%- endif %}
{%- endmacro %}
