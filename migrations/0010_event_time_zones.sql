-- Kindred schema, version 10: the visitor's time zone on events, as pages report it. Same
-- conventions as version 1. This file never changes once shipped.

-- An IANA name such as Europe/London (what a browser's Intl API says), or NULL when the source
-- did not say. With local_hour it places the event in the visitor's day without guessing from
-- the country.
ALTER TABLE events ADD COLUMN time_zone TEXT;
ALTER TABLE event_inbox ADD COLUMN time_zone TEXT;
ALTER TABLE import_staged_events ADD COLUMN time_zone TEXT;

DROP VIEW events_readable;
CREATE VIEW events_readable AS
SELECT e.event_pk, strftime('%Y-%m-%dT%H:%M:%fZ', e.ts_ms / 1000.0, 'unixepoch') AS at,
       e.type, u.pseudonym, i.item_id, i.title, e.session_id, e.value, e.price, e.device,
       e.country, e.region, e.local_hour, e.time_zone, e.referrer, e.experiment, e.variant, e.request_id
FROM events AS e
LEFT JOIN users AS u USING (user_pk)
LEFT JOIN items AS i USING (item_pk);
