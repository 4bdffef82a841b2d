{# ISO 8601 durations for the resolutions of the sources; Postgres casts them directly ('PT15M'::interval). #}

{% macro smard_resolution(column) -%}
    case {{ column }}
        when 'quarterhour' then 'PT15M'
        when 'hour' then 'PT1H'
        when 'day' then 'P1D'
        when 'week' then 'P1W'
        when 'month' then 'P1M'
        when 'year' then 'P1Y'
    end
{%- endmacro %}

{% macro tibber_resolution(column) -%}
    case {{ column }}
        when 'QUARTER_HOURLY' then 'PT15M'
        when 'HOURLY' then 'PT1H'
        when 'DAILY' then 'P1D'
        when 'WEEKLY' then 'P1W'
        when 'MONTHLY' then 'P1M'
        when 'ANNUAL' then 'P1Y'
    end
{%- endmacro %}

{# The end of a half-open interval from its start and an ISO 8601 resolution. #}
{% macro interval_end(start_column, resolution_column) -%}
    ({{ start_column }} + cast({{ resolution_column }} as interval))
{%- endmacro %}
