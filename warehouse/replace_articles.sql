-- A batch replaces its articles (replaced_articles.sql lists them): the earlier article and its
-- figures move to article_history and figure_history (nothing is overwritten); its quarantined
-- rows and flags are dropped with it. Run only when there is something to replace: the moves read
-- every column of the stored rows, text included.
create or replace temp table superseding_run as
select max(run_id) as run_id, max(ingested_at) as superseded_at from staged_article;

insert into article_history by name
select a.*, s.superseded_at, s.run_id as superseded_by_run
from article a, superseding_run s
where a.article_id in (select article_id from replaced_article);

insert into figure_history by name
select f.*, s.superseded_at, s.run_id as superseded_by_run
from figure f, superseding_run s
where f.article_id in (select article_id from replaced_article);

delete from figure where article_id in (select article_id from replaced_article);
delete from figure_quarantine where article_id in (select article_id from replaced_article);
delete from figure_flag where article_id in (select article_id from replaced_article);
delete from article where article_id in (select article_id from replaced_article);
