/* Journal MESSAGE_IDs, one per event; packaging/allocsel.catalog explains each.
 * Never change one: dashboards and catalog entries match on them. */
#ifndef ALLOCSEL_MESSAGES_H
#define ALLOCSEL_MESSAGES_H

#define MESSAGE_ID_STARTED      "232393e3d25148888bd849127582a4d1"
#define MESSAGE_ID_STARTUP_RSS  "f0263a2bf2b14e709e1e625fa4c48aa6"
#define MESSAGE_ID_EXITED       "969c52184f924c0fbbcbdd7b9487e2ac"
#define MESSAGE_ID_FALLBACK     "f4e04d6ff8a04773ac046634972b2a7d"
#define MESSAGE_ID_REFUSED      "cb635149406a4d689091ad8916a94a9e"
#define MESSAGE_ID_SAMPLE       "e642ee0cfb9548ebaca05121bb2db0f6"
/* allocsel-monitor about itself: what it refused or dropped, once a minute */
#define MESSAGE_ID_MONITOR      "d5d4b571549b4559a5c58242ffe17394"

#endif
