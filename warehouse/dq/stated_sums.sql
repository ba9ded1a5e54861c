-- stated_sums (warning): when killed, wounded and casualties are stated together (same article,
-- claimant and party), killed + wounded must match casualties within the intervals their qualifiers
-- allow (approx: ±10%, see dq_figure). "about 14,000 killed and 16,000 wounded, about 30,000
-- casualties" adds up. One row per casualties figure that no (killed, wounded) pair adds up to.
with figures as (
    select * from dq_figure
),
killed as (
    select * from figures where category = 'killed'
),
wounded as (
    select * from figures where category = 'wounded'
),
casualties as (
    select * from figures where category = 'casualties'
),
sums as (
    select
        c.figure_id,
        c.article_id,
        c.claimant,
        c.party,
        c.value as casualties,
        c.qualifier,
        k.value as killed,
        w.value as wounded,
        k.low + w.low <= c.high and k.high + w.high >= c.low as adds_up,
        abs(k.value + w.value - c.value) as gap
    from casualties c
    join killed k
      on k.article_id = c.article_id and k.claimant = c.claimant and k.party is not distinct from c.party
    join wounded w
      on w.article_id = c.article_id and w.claimant = c.claimant and w.party is not distinct from c.party
),
closest as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        any_value(casualties) as casualties,
        any_value(qualifier) as qualifier,
        bool_or(adds_up) as adds_up,
        arg_min(killed, gap) as killed,
        arg_min(wounded, gap) as wounded
    from sums
    group by figure_id, article_id, claimant, party
),
final as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        'casualties' as category,
        format('killed {} + wounded {} = {}, but casualties {} ({})',
               killed, wounded, killed + wounded, casualties, qualifier) as reason,
        format('killed={}, wounded={}, casualties={}', killed, wounded, casualties) as offending
    from closest
    where not adds_up
)
select * from final
