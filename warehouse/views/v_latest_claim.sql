-- The latest claim per claimant × party × category: the most recent first_seen, the larger value
-- on a tie. A running total (period cumulative or unstated) wins over a day's, week's or event's
-- count, which is the latest only when the claimant states no total.
create or replace view v_latest_claim as
with ranked as (
    select
        *,
        row_number() over (
            partition by claimant, party, category
            order by coalesce(period, 'cumulative') = 'cumulative' desc, first_seen desc nulls last, value desc
        ) as recency
    from v_claim
),
final as (
    select * exclude (recency) from ranked where recency = 1
)
select * from final
