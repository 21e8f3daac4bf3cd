-- Kindred schema, version 13: what people told the shop about what they are shown. Same
-- conventions as version 1. This file never changes once shipped.

-- One row per standing instruction of a person; undo deletes the row. Serving honours them on
-- every surface at once; training leaves out what a person said they do not want.
--   kind         not_interested: never show the target again
--                more_like_this: lift items like the target
--                reason_off:     do not recommend because of this kind of thing I did
--   target_type  item (target: the shop's item_id), category (a path, lower-case; includes
--                everything below it), brand (attributes.brand, lower-case), reason (one of
--                purchases, cart, ratings, views)
CREATE TABLE preferences (
    user_pk     INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('not_interested', 'more_like_this', 'reason_off')),
    target_type TEXT NOT NULL CHECK (target_type IN ('item', 'category', 'brand', 'reason')),
    target      TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (user_pk, kind, target_type, target),
    CHECK ((kind = 'reason_off') = (target_type = 'reason'))
) STRICT, WITHOUT ROWID;

-- Each preference as a person reads it, with the pseudonym rather than the key.
CREATE VIEW person_preferences AS
SELECT u.pseudonym, p.kind, p.target_type, p.target,
       strftime('%Y-%m-%dT%H:%M:%SZ', p.created_ms / 1000, 'unixepoch') AS created
FROM preferences p JOIN users u USING (user_pk);
