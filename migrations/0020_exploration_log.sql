-- An exploring list logs how it explored, so that its own impressions can evaluate other
-- policies (`kindred policies evaluate` without --log): the policy and its settings and the
-- ranked pool it drew from, as JSON ({"policy": "epsilon_greedy", "epsilon": 0.1,
-- "first_position": 1, "pool": ["P00012", ...]}); NULL for a list that did not explore.
ALTER TABLE impressions ADD COLUMN exploration TEXT CHECK (exploration IS NULL OR json_valid(exploration));
