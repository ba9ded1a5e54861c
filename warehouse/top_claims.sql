-- The largest figure each claimant states per party and category, biggest first.
with ranked as (
    select
        claimant,
        party,
        category,
        value,
        qualifier,
        file,
        row_number() over (partition by claimant, party, category order by value desc, file) as rank
    from v_figure
),
final as (
    select claimant, party, category, value, qualifier, file
    from ranked
    where rank = 1
    order by value desc, claimant, party, category
    limit ?
)
select * from final
