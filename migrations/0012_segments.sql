-- Kindred schema, version 12: segments that are built, named and kept with their history. Same
-- conventions as version 1. This file never changes once shipped.

-- One row per segmentation run (`kindred segments build`): how the people were clustered, on which
-- features, standardized how, and how well. Its segments are the cluster segments with its pk;
-- a later build retires them.
--   features     JSON array of feature names, the matrix's columns in order
--   means, deviations  JSON arrays: how each feature was standardized (a new point is scaled alike)
--   metrics      JSON: inertia (k-means), log_likelihood and bic (mixtures), silhouette, noise
--   k_reason     how k was chosen, in words ("k = 4: silhouette 0.61 (k = 3: 0.55, ...)")
-- Between builds, people who acted since event_mark are re-assigned to the nearest centroid and
-- the centroids drift toward them (Spark's streaming k-means update, with a half-life).
CREATE TABLE segmentations (
    segmentation_pk INTEGER PRIMARY KEY,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('kmeans', 'gmm', 'dbscan')),
    k               INTEGER NOT NULL,
    k_reason        TEXT,
    features        TEXT NOT NULL CHECK (json_valid(features) AND json_type(features) = 'array'),
    means           TEXT NOT NULL CHECK (json_valid(means)),
    deviations      TEXT NOT NULL CHECK (json_valid(deviations)),
    parameters      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
    metrics         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    people          INTEGER NOT NULL,
    features_as_of_ms INTEGER NOT NULL,
    event_mark      INTEGER NOT NULL DEFAULT 0,       -- events up to this event_pk are reflected
    refreshed_ms    INTEGER,                          -- the last streaming update
    created_ms      INTEGER NOT NULL,
    retired_ms      INTEGER
) STRICT;

-- What a segment is beyond its name: the segmentation it came from and its centroid (standardized
-- feature values, in the segmentation's feature order), or its rule; retired segments keep their
-- rows and history but have no members.
ALTER TABLE segments ADD COLUMN segmentation_pk INTEGER REFERENCES segmentations (segmentation_pk);
ALTER TABLE segments ADD COLUMN centroid TEXT CHECK (centroid IS NULL OR json_valid(centroid));
ALTER TABLE segments ADD COLUMN rule TEXT;
ALTER TABLE segments ADD COLUMN retired_ms INTEGER;
-- How many people the centroid stands for, discounted by the half-life as it drifts.
ALTER TABLE segments ADD COLUMN weight REAL;
-- What serving does for members (kindred segments strategy): {"serve": "algorithm:NAME" |
-- "model:VERSION" | "default", "include_categories": [...], "exclude_categories": [...]}.
ALTER TABLE segments ADD COLUMN strategy TEXT CHECK (strategy IS NULL OR json_valid(strategy));

-- Who was in which segment when: a row per stay, open (to_ms NULL) while it lasts. segment_members
-- holds the open stays for fast look-ups; this keeps the closed ones too, so that movements
-- between segments can be counted.
CREATE TABLE segment_history (
    segment_pk INTEGER NOT NULL REFERENCES segments (segment_pk) ON DELETE CASCADE,
    user_pk    INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    from_ms    INTEGER NOT NULL,
    to_ms      INTEGER,
    PRIMARY KEY (user_pk, from_ms, segment_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX segment_history_by_segment ON segment_history (segment_pk, from_ms);

-- Segments as a person reads them: live ones with their size.
CREATE VIEW segments_readable AS
SELECT s.key, s.name, s.kind, g.algorithm, s.rule, count(m.user_pk) AS members,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.created_ms / 1000.0, 'unixepoch') AS created_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.retired_ms / 1000.0, 'unixepoch') AS retired_at
FROM segments AS s
LEFT JOIN segmentations AS g USING (segmentation_pk)
LEFT JOIN segment_members AS m USING (segment_pk)
GROUP BY s.segment_pk;

-- Moves between segments: each stay that began right as another ended for the same person, except
-- the ones a new build made (the old segment retired at that moment): behaviour, not re-clustering.
CREATE VIEW segment_moves AS
SELECT h.user_pk, f.key AS from_segment, t.key AS to_segment, h.from_ms AS moved_ms,
       strftime('%Y-%m-%dT%H:%M:%fZ', h.from_ms / 1000.0, 'unixepoch') AS moved_at
FROM segment_history AS h
JOIN segments AS t ON t.segment_pk = h.segment_pk
JOIN segment_history AS p ON p.user_pk = h.user_pk AND p.to_ms = h.from_ms AND p.segment_pk <> h.segment_pk
JOIN segments AS f ON f.segment_pk = p.segment_pk
WHERE t.rule IS NULL AND f.rule IS NULL AND f.retired_ms IS NOT h.from_ms;
