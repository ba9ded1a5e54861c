-- claimant_staleness (info, never fails): claimants whose last claim is older than stale_after_days
-- (see dq_claimant_staleness); reported so that an analyst sees whose numbers are old.
with stale as (
    select * from dq_claimant_staleness where stale
),
final as (
    select
        null::varchar as figure_id,
        null::varchar as article_id,
        claimant,
        null::varchar as party,
        null::varchar as category,
        format('last claim on {}, {} days ago', last_claim_date, days_since_last_claim) as reason,
        format('claimant={}, days_since_last_claim={}', claimant, days_since_last_claim) as offending
    from stale
)
select * from final
