{# Households (pseudonymous) with their EV-split settings; no Tibber id, no address. #}
with

households as (
    select * from {{ ref('int_households_configured') }}
)

select
    household_id,
    control_area,
    has_ev,
    ev_power_kw,
    ev_split_rule,
    timezone,
    currency,
    is_configured
from households
