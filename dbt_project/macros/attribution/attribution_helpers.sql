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

{# var('german_control_areas') as a SQL list: ('50Hertz', 'Amprion', 'TenneT', 'TransnetBW') #}
{% macro german_control_areas_sql() -%}
    ('{{ var("german_control_areas", ["50Hertz", "Amprion", "TenneT", "TransnetBW"]) | join("', '") }}')
{%- endmacro %}

{#
    Pre-hook for the attribution models that join several aggregated CTEs: Postgres cannot estimate the row
    counts of aggregated CTEs and picks nested loops (one month of SMARD data: > 8 min instead of 8 s).
    `set local` only lasts for the model's transaction. JIT off too: disabling nested loops adds Postgres'
    disable_cost (1e10) to every plan, which always crossed jit_above_cost, so each model spent 3-8 s compiling
    and optimising its query (int_grid_intensity on three days of data: 8.3 s of 8.8 s) whatever the data size,
    which dominated an incremental run.
#}
{% macro attribution_planner_settings() -%}
    set local enable_nestloop = off;
    set local jit = off
{%- endmacro %}
