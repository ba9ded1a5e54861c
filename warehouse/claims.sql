-- Rebuild `claim` from `figure`: the same claimant, party, category, value (and value_high) and
-- qualifier, reported within `echo_days` days of the previous mention, is one claim (echo detection:
-- one briefing reprinted by 30 outlets is one claim with 30 mentions). Derived, so a rerun gives
-- the same table.
-- Claims never span two claim keys (claimant, party, category, value, value_high, qualifier), so the
-- rebuild runs bucket by bucket of keys (hash modulo claim_buckets): warehouse.load.rebuilt_claims
-- empties `claim` and runs this once per bucket, in one transaction, so memory stays bounded.
insert into claim by name
with params as (
    select getvariable('echo_days')::integer as echo_days
),
mentions as (
    select
        f.figure_id,
        f.article_id,
        f.claimant,
        f.claimant_party,
        f.party,
        f.category,
        f.value,
        f.value_high,
        f.qualifier,
        f.period,
        coalesce(f.claim_date, a.published_at) as claim_day,  -- null when the article has no date
        coalesce(a.outlet, a.url, a.article_id) as outlet_key
    from figure f
    join article a using (article_id)
    where hash(f.claimant, f.party, f.category, f.value, f.value_high, f.qualifier)
          % getvariable('claim_buckets')::ubigint = getvariable('claim_bucket')::ubigint
),
sequenced as (
    select
        *,
        row_number() over claim_key as mention_number,
        lag(claim_day) over claim_key as previous_day
    from mentions
    window claim_key as (
        partition by claimant, party, category, value, value_high, qualifier
        order by claim_day nulls last, figure_id
    )
),
numbered as (
    -- a new claim starts at the first mention, after a gap of more than echo_days, and where the
    -- dated mentions end: mentions whose articles carry no date at all are one claim of their own
    select
        s.*,
        sum(case
                when mention_number = 1 then 1
                when (claim_day is null) <> (previous_day is null) then 1
                when claim_day - previous_day > p.echo_days then 1
                else 0
            end)
            over (partition by claimant, party, category, value, value_high, qualifier
                  order by claim_day nulls last, figure_id rows unbounded preceding) as claim_number
    from sequenced s
    cross join params p
),
final as (
    select
        -- a claim is named after its earliest figure (undated mentions sort last)
        md5(arg_min(figure_id, (coalesce(claim_day, date '9999-12-31'), figure_id))) as claim_id,
        claimant,
        any_value(claimant_party) as claimant_party,
        party,
        category,
        value,
        value_high,
        qualifier,
        mode(period) as period,
        min(claim_day) as first_seen,
        max(claim_day) as last_seen,
        count(*)::integer as mention_count,
        count(distinct outlet_key)::integer as outlet_count,
        arg_min(figure_id, (coalesce(claim_day, date '9999-12-31'), figure_id)) as provenance_figure_id,
        arg_min(article_id, (coalesce(claim_day, date '9999-12-31'), figure_id)) as provenance_article_id
    from numbered
    group by claimant, party, category, value, value_high, qualifier, claim_number
)
select * from final;
