-- The largest claim each claimant makes per party and category, biggest first, with its echo
-- (from the claim table itself: the summary needs none of v_claim's provenance joins).
with ranked as (
    select
        claimant,
        party,
        category,
        value,
        qualifier,
        mention_count as mentions,
        outlet_count as outlets,
        first_seen,
        row_number() over (partition by claimant, party, category order by value desc, first_seen) as rank
    from claim
),
final as (
    select * exclude (rank)
    from ranked
    where rank = 1
    order by value desc, claimant, party, category
    limit getvariable('top_claims')
)
select * from final
