-- A batch replaces its articles: the same article again (re-extraction) or a changed file
-- (same source_file, new content) drops the earlier article, its figures and quarantined rows.
create or replace temp table replaced_article as
with staged as (
    select article_id, source_file from staged_article
),
final as (
    select a.article_id
    from article a
    where a.article_id in (select article_id from staged)
       or a.source_file in (select source_file from staged)
)
select * from final;

delete from figure where article_id in (select article_id from replaced_article);
delete from figure_quarantine where article_id in (select article_id from replaced_article);
delete from figure_flag where article_id in (select article_id from replaced_article);
delete from article where article_id in (select article_id from replaced_article);
