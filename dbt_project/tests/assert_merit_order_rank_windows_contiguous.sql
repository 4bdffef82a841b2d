-- Merit-order ranks (DOMAIN 1.4): per fuel, validity windows neither overlap nor leave gaps.
with

windows as (
    select
        fuel,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by fuel order by valid_from) as next_valid_from
    from {{ ref('int_merit_order_ranks') }}
)

select *
from windows
where
    valid_to <= valid_from
    or (next_valid_from is not null and valid_to is null)
    or (next_valid_from is not null and valid_to != next_valid_from)
