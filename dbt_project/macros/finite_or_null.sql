{#
    A raw measurement as staging passes it on: NaN, +-Infinity and magnitudes of var('max_plausible_value')
    (1e9; no MW, MWh, kWh or EUR/MWh value comes near it) become NULL, i.e. "not published", so the interval
    gets the status of missing data instead of status OK with a poisoned number. The loaders already refuse
    such values (MalformedPayloadError); this keeps rows written before that rule, or by hand, out of the marts.
#}
{% macro finite_or_null(column) -%}
    case
        when
            {{ column }} in ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric)
            or abs({{ column }}) >= {{ var('max_plausible_value', 1000000000) }}
            then null
        else {{ column }}
    end
{%- endmacro %}
