{# Tibber homes without personal data: no address, postal code, city or nickname. #}
with

homes as (
    select * from {{ source('raw_tibber', 'homes') }}
)

select
    home_id,
    time_zone,
    currency,
    _loaded_at
from homes
