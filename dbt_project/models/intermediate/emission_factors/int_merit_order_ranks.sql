{#
    Merit-order ranks as validity windows (DOMAIN 1.4): each seed row is valid from its valid_from until the
    next row of the same fuel (valid_to exclusive; NULL = current).
#}
with

ranks as (
    select * from {{ ref('merit_order_ranks') }}
)

select
    md5(fuel || '|' || to_char(valid_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as merit_order_rank_id,
    fuel,
    rank,
    is_marginal_candidate,
    valid_from,
    lead(valid_from) over (partition by fuel order by valid_from) as valid_to,
    source,
    comment
from ranks
