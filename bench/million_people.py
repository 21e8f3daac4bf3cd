#!/usr/bin/env python3
"""Events for a shop of many people, each with a few sessions, for bench/segments-million.sh.

    python3 bench/million_people.py CATALOG.csv PEOPLE OUT.csv [seed]

`kindred generate` draws sessions by activity, so most of its events go to its most active
people and a million users leave more than half without a single event. Here every person has
at least one session (1 + Poisson(0.8) of them, each looking at 1 + Poisson(2) items), so that the
segmentation sees PEOPLE rows. Each person follows one of six personas that differ in device,
hour of day, categories, prices and how often they cart and buy, the kind of
structure segments are meant to find, plus individual noise. Same seed, same file. Columns as
`kindred generate` writes them (ts in seconds, hour = the visitor's local hour).
"""
import csv
import sys

import numpy as np

catalog_path, people, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
rng = np.random.default_rng(seed)

with open(catalog_path) as f:
    rows = list(csv.DictReader(f))
item_ids = np.array([r["item_id"] for r in rows])
item_prices = np.array([float(r["price"] or 0) for r in rows])
categories = sorted({r["category"] for r in rows})
item_category = np.array([categories.index(r["category"]) for r in rows])
by_category = [np.flatnonzero(item_category == c) for c in range(len(categories))]

# persona: device shares (mobile, desktop, tablet), peak local hour, favourite
# categories, price preference (quantile of the category's items), cart and purchase rates.
personas = [
    dict(device=[0.85, 0.10, 0.05], hour=21, favourites=[0, 1, 2], price=0.8, cart=0.15, buy=0.5),
    dict(device=[0.15, 0.80, 0.05], hour=10, favourites=[3, 4, 5], price=0.5, cart=0.08, buy=0.4),
    dict(device=[0.60, 0.20, 0.20], hour=13, favourites=[6, 7], price=0.2, cart=0.05, buy=0.2),
    dict(device=[0.30, 0.30, 0.40], hour=19, favourites=[8, 9, 10, 11], price=0.6, cart=0.20, buy=0.7),
    dict(device=[0.90, 0.05, 0.05], hour=1, favourites=[12, 13], price=0.3, cart=0.02, buy=0.1),
    dict(device=[0.40, 0.55, 0.05], hour=8, favourites=[14, 15, 16, 17], price=0.9, cart=0.10, buy=0.6),
]
countries = np.array(["GB", "GB", "GB", "DE", "FR", "NL", "IE", "US"])
devices = np.array(["mobile", "desktop", "tablet"])
end = 1_795_132_800  # 2026-11-21T00:00:00Z
days = 90

persona_of = rng.integers(0, len(personas), people)
country_of = countries[rng.integers(0, len(countries), people)]
sessions_of = 1 + rng.poisson(0.8, people)
person_of_session = np.repeat(np.arange(people), sessions_of)
sessions = len(person_of_session)
length = 1 + rng.poisson(2, sessions)
p = persona_of[person_of_session]
def by_persona(key):
    return np.array([persona[key] for persona in personas])[p]
local_hour = (by_persona("hour") + np.rint(rng.normal(0, 2.5, sessions)).astype(int)) % 24
day = rng.integers(0, days, sessions)
device_cdf = np.cumsum(np.array([persona["device"] for persona in personas]), axis=1)[p]
device = devices[(rng.random(sessions)[:, None] > device_cdf).sum(axis=1).clip(0, 2)]
# UTC as the local hour less the country's offset (0 for GB and IE, 1 for the continent, -5 for the US).
offset = np.select([np.isin(country_of, ["GB", "IE"]), country_of == "US"], [0, -5], 1)[person_of_session]
session_start = end - (days - day) * 86400 + ((local_hour - offset) % 24) * 3600 + rng.integers(0, 3600, sessions)

# One row per item looked at: its session, category (a favourite 80% of the time), item (near
# the persona's price quantile within the category), dwell, and whether it was carted and bought.
session_of = np.repeat(np.arange(sessions), length)
looks = len(session_of)
favourite_sets = [np.array(persona["favourites"]) for persona in personas]
pick = rng.integers(0, 4, looks)
favourite = np.array([favourite_sets[k][pick[i] % len(favourite_sets[k])] for i, k in enumerate(p[session_of])])
category = np.where(rng.random(looks) < 0.8, favourite, rng.integers(0, len(categories), looks))
quantile = np.clip(by_persona("price")[session_of] + rng.normal(0, 0.15, looks), 0, 0.999)
by_category = [pool[np.argsort(item_prices[pool], kind="stable")] for pool in by_category]
sizes = np.array([len(pool) for pool in by_category])
item = np.array([by_category[c][int(q * sizes[c])] for c, q in zip(category, quantile)])
dwell = rng.integers(2, 90, looks)
carted = rng.random(looks) < by_persona("cart")[session_of]
bought = carted & (rng.random(looks) < by_persona("buy")[session_of])
# Time within the session: each look a few seconds to two minutes after the one before.
step = rng.integers(5, 120, looks)
offset_in_session = np.cumsum(step) - step
first = np.cumsum(length) - length
offset_in_session -= np.repeat(offset_in_session[first], length)
ts = session_start[session_of] + offset_in_session

lines = 0
with open(out_path, "w", newline="") as f:
    w = f.write
    w("user_id,item_id,type,ts,session_id,value,price,device,country,hour\n")
    for i in range(looks):
        s = session_of[i]
        person = person_of_session[s]
        tail = f"{device[s]},{country_of[person]},{local_hour[s]}\n"
        user, iid, t, sid = f"m{person + 1:07d}", item_ids[item[i]], ts[i], f"q{s + 1}"
        w(f"{user},{iid},view,{t},{sid},,,{tail}")
        w(f"{user},{iid},dwell,{t + 3},{sid},{dwell[i]},,{tail}")
        lines += 2
        if carted[i]:
            w(f"{user},{iid},add_to_cart,{t + 4},{sid},1,{item_prices[item[i]]:.2f},{tail}")
            lines += 1
            if bought[i]:
                w(f"{user},{iid},purchase,{t + 5},{sid},1,{item_prices[item[i]]:.2f},{tail}")
                lines += 1
print(f"{people} people, {sessions} sessions, {lines} events", file=sys.stderr)
