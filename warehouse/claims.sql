-- Rebuild `claim` from `figure`: the same claimant, party, category, value (and value_high) and
-- qualifier, reported within `echo_days` days of the previous mention, is one claim (echo detection:
-- one briefing reprinted by 30 outlets is one claim with 30 mentions). Derived, so a rerun gives
-- the same table.
create or replace temp table rebuilt_claim as
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
),
sequenced as (
    select
        *,
        claim_day - lag(claim_day) over claim_key as days_since_previous
    from mentions
    window claim_key as (
        partition by claimant, party, category, value, value_high, qualifier
        order by claim_day, figure_id
    )
),
numbered as (
    select
        s.*,
        sum(case when days_since_previous is null or days_since_previous > p.echo_days then 1 else 0 end)
            over (partition by claimant, party, category, value, value_high, qualifier
                  order by claim_day, figure_id rows unbounded preceding) as claim_number
    from sequenced s
    cross join params p
),
final as (
    select
        md5(concat_ws('|', claimant, coalesce(party, ''), category, value, coalesce(value_high, -1),
                      qualifier, min(claim_day))) as claim_id,
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
        arg_min(figure_id, (claim_day, figure_id)) as provenance_figure_id,
        arg_min(article_id, (claim_day, figure_id)) as provenance_article_id
    from numbered
    group by claimant, party, category, value, value_high, qualifier, claim_number
)
select * from final;

delete from claim;
insert into claim by name select * from rebuilt_claim;
