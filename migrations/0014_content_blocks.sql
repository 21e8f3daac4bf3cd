-- Kindred schema, version 14: pages made of content blocks. Same conventions as version 1. This
-- file never changes once shipped.

-- The blocks a page may show, in their default order. A page orders them again per person (by
-- how that person engaged with each block) and leaves out a block with nothing to show.
--   source    what fills it: for_you (the person's recommendations), because_you_viewed (items
--             like the last one they looked at), continue (what they looked at or put in the cart
--             lately and did not buy), trending_in_segment (what the people of their segment took
--             up this week; the whole shop's trending without one), new_arrivals (items listed in
--             the last 30 days, ranked for them), back_in_stock (items restocked in the last 14
--             days, theirs first), bought_together and similar (product pages: bought with, or like,
--             the page's item)
--   title     may name {item} (the item the block starts from) and {segment} (the segment's name)
--   category  a rule: only items in this category or below it (NULL: any)
CREATE TABLE blocks (
    block_pk   INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    surface    TEXT NOT NULL CHECK (surface IN ('home', 'product')),
    source     TEXT NOT NULL CHECK (source IN ('for_you', 'because_you_viewed', 'continue', 'trending_in_segment',
                                               'new_arrivals', 'back_in_stock', 'bought_together', 'similar')),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    size       INTEGER NOT NULL DEFAULT 8 CHECK (size BETWEEN 1 AND 50),
    position   INTEGER NOT NULL,
    category   TEXT,
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;

INSERT INTO blocks (key, surface, source, title, size, position, created_ms, updated_ms) VALUES
    ('for-you', 'home', 'for_you', 'For you', 10, 1, 0, 0),
    ('continue', 'home', 'continue', 'Continue where you left off', 6, 2, 0, 0),
    ('because-you-viewed', 'home', 'because_you_viewed', 'Because you viewed {item}', 8, 3, 0, 0),
    ('trending-in-segment', 'home', 'trending_in_segment', 'Trending with {segment}', 8, 4, 0, 0),
    ('new-arrivals', 'home', 'new_arrivals', 'New arrivals for you', 8, 5, 0, 0),
    ('back-in-stock', 'home', 'back_in_stock', 'Back in stock', 6, 6, 0, 0),
    ('bought-together', 'product', 'bought_together', 'Frequently bought together', 6, 1, 0, 0),
    ('similar', 'product', 'similar', 'More like {item}', 8, 2, 0, 0),
    ('also-for-you', 'product', 'for_you', 'You may also like', 8, 3, 0, 0);

-- Which block a response filled (NULL: a plain list), so that each block's engagement is measured.
ALTER TABLE impressions ADD COLUMN block TEXT;

-- When an item last came back into stock: what "back in stock" offers.
ALTER TABLE items ADD COLUMN restocked_ms INTEGER;
CREATE TRIGGER items_restocked AFTER UPDATE OF in_stock ON items
WHEN old.in_stock = 0 AND new.in_stock = 1
BEGIN
    UPDATE items SET restocked_ms = new.updated_ms WHERE item_pk = new.item_pk;
END;
