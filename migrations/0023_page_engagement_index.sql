-- Kindred schema, version 23: a page orders its blocks by how the person engaged with each
-- (`BlockStore.engagement`), which reads the person's lists of the last weeks: their time, block
-- and request id. Read through the table, each list's row (a kilobyte of items) was fetched for
-- those three columns, and under a load of pages that lookup cost a sixth of the server's time.
-- This index holds the three beside the person, so the rows are not read; it replaces the index
-- by person alone, whose other readers (export, erasure) use its first column. Same conventions
-- as version 1. This file never changes once shipped.
DROP INDEX impressions_by_user;
CREATE INDEX impressions_by_user_time ON impressions (user_pk, ts_ms, block, request_id) WHERE user_pk IS NOT NULL;
