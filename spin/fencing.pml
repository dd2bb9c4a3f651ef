/*
 * Fencing protocol v2, model-checked with spin (docs/race.md: "The model").
 *
 *   spin -a -DPASSES0=2 -DPASSES1=1 spin/fencing.pml && gcc -O2 -DMEMLIM=1024 -DCOLLAPSE -o pan pan.c &&
 *     ./pan -m100000 -w24
 *
 * Variants (-D on the spin command line, e.g. spin -a -DNAIVE spin/fencing.pml):
 *   (default)  v2: one fence per shard, read before any record; every batch DELETEs the exact fence it read and
 *              CREATEs (G, content of plan G); every generation moves every shard's fence; removal is a fenced
 *              write; cleanup never deletes a generation at or above the lowest shard fence.
 *   -DNAIVE    v2, but a shard's fence moves only when the shard's content changes. Must fail.
 *   -DTORN     v2, but an enactor reads the records before the fences (today's listing order). Must fail.
 *   -DLEGACY   today's v1: a fence per endpoint read once from a listing in which records and fence are read in
 *              either order (torn), removal is a plain DELETE of the records (no fence), cleanup bounds on the
 *              endpoints of the newest plan only. Must fail.
 * Bounds: -DPASSES0=n -DPASSES1=n (passes of enactor 0 and 1, default 1), -DCLEANUPS=n (default 1).
 *
 * Two endpoints e0, e1; endpoint i is alone in shard i, so "shard" and "endpoint" index the same arrays.
 * Plans (the planner publishes 1..4 in order); content: 0 = absent, A, B:
 *   gen   1  2  3  4
 *   e0    A  B  A  A     content returns to an earlier value (the torn-read case: A, B, A)
 *   e1    A  A  -  A     removed at 3, re-added at 4 with its earlier content
 * Content is abstracted to one value per endpoint: an endpoint's several weighted sets and min capacity are the
 * guard's business (unit-tested), not the fence's.
 */

#define NE 2
#define NG 4
#define A 1
#define B 2
#ifndef PASSES0
#define PASSES0 1
#endif
#ifndef PASSES1
#define PASSES1 1
#endif
#ifndef CLEANUPS
#define CLEANUPS 1
#endif
/* Generations kept below the lowest live one. 0 is the most aggressive cleanup (the code's default is 2). */
#define RETENTION 0

/* Slot of a batch in flight: one per enactor pass, one for the calm pass. */
#define NSLOT (PASSES0 + PASSES1 + 1)
#define CALM_SLOT (PASSES0 + PASSES1)
#if NSLOT > 5
#error "route53() lands at most 5 slots: at most 4 enactor passes in all"
#endif

#define PC(g, e) ((g) == 0 -> 0 : ((e) == 0 -> ((g) == 2 -> B : A) : ((g) == 3 -> 0 : A)))

/* Route53: the zone */
byte fence[NE];      /* the shard's (v1: the endpoint's) fence generation; 0 = no fence */
byte cont[NE];       /* the endpoint's records: 0 absent, A, B */
/* The plan store */
bool stored[NG + 1];
byte latest;
/* Ghost: the highest generation enacted on each shard (a batch of it landed, or an enactor reported the shard
   at that generation). No write of an older generation may land after it. */
byte hi[NE];

/* Change batches in flight (ChangeResourceRecordSets requests): unit per shard. */
byte bG[NSLOT];          /* generation of the batch; 0 = slot free */
byte bF[NSLOT * NE];     /* the fence the unit DELETEs (its compare-and-swap); 0 = "no fence": CREATE only */
byte bOld[NSLOT * NE];   /* the records the unit believes live (DELETEd exactly when they change) */
bit bIn[NSLOT * NE];     /* the shard is in the batch with a fence swap */
bit bRm[NSLOT * NE];     /* LEGACY: an unfenced DELETE of the endpoint's records */
byte resp[NSLOT];        /* the answer the sender sees: 0 none (yet), 1 accepted, 2 rejected */
bit gone[NSLOT];         /* the sender stopped waiting (crash, timeout, lost response) */

#define MAX(a, b) ((a) > (b) -> (a) : (b))

/* I1 never empty (at this abstraction: an endpoint is absent only when nothing was enacted yet or the newest
   enacted generation removes it), I3 content matches the fence, I5 every fence names a stored plan. */
#define INVARIANTS(s) \
  assert(cont[s] != 0 || hi[s] == 0 || PC(hi[s], s) == 0); \
  assert(fence[s] == 0 || cont[s] == PC(fence[s], s)); \
  assert(fence[s] == 0 || stored[fence[s]])

/* Route53 applies a batch all or nothing. A fenced unit needs its fence exactly as read (CREATE of a fence fails
   if one exists) and, when it changes records, the records exactly as read (DELETE of exact values, CREATE of
   a set that does not exist); a fence-only unit names no records, so nothing checks them. */
#define UNIT_OK(k, s) \
  ((bIn[(k) * NE + s] == 0 || (fence[s] == bF[(k) * NE + s] && \
     (bOld[(k) * NE + s] == PC(bG[k], s) || cont[s] == bOld[(k) * NE + s]))) && \
   (bRm[(k) * NE + s] == 0 || cont[s] == bOld[(k) * NE + s]))

#define APPLY_UNIT(k, s) \
  if \
  :: bIn[(k) * NE + s] -> \
     assert(bG[k] >= hi[s]);    /* no stale write after a newer generation was enacted */ \
     assert(bG[k] >= fence[s]); /* I2 fence monotone */ \
     fence[s] = bG[k]; hi[s] = MAX(hi[s], bG[k]); \
     /* records change only when the unit names them; a fence-only unit leaves them as they are */ \
     cont[s] = (bOld[(k) * NE + s] == PC(bG[k], s) -> cont[s] : PC(bG[k], s)) \
  :: bRm[(k) * NE + s] -> \
     assert(bG[k] >= hi[s]); \
     cont[s] = 0; hi[s] = MAX(hi[s], bG[k]) \
  :: else -> skip \
  fi

#define CLEAR_UNIT(k, s) bIn[(k) * NE + s] = 0; bRm[(k) * NE + s] = 0; bF[(k) * NE + s] = 0; bOld[(k) * NE + s] = 0

/* Route53: lands one batch in flight, at any later moment (network delay), accepted or rejected as a whole. */
inline land(k) {
  d_step {
    if
    :: UNIT_OK(k, 0) && UNIT_OK(k, 1) ->
       APPLY_UNIT(k, 0); APPLY_UNIT(k, 1);
       INVARIANTS(0); INVARIANTS(1);
       resp[k] = 1
    :: else -> resp[k] = 2
    fi;
    if
    :: gone[k] -> resp[k] = 0; gone[k] = 0   /* nobody hears the answer */
    :: else -> skip
    fi;
    bG[k] = 0; CLEAR_UNIT(k, 0); CLEAR_UNIT(k, 1)
  }
}

active proctype route53() {
end:
  do
  :: bG[0] != 0 -> land(0)
  :: bG[1] != 0 -> land(1)
#if NSLOT > 2
  :: bG[2] != 0 -> land(2)
#endif
#if NSLOT > 3
  :: bG[3] != 0 -> land(3)
#endif
#if NSLOT > 4
  :: bG[4] != 0 -> land(4)
#endif
  od
}

proctype planner() {
  byte g;
  for (g : 1 .. NG) {
    atomic { stored[g] = 1; latest = g }
  }
}

#define DELETE_PLAN(g) \
  if \
  :: stored[g] && g + RETENTION < lo && g != latest && g != lf[0] && g != lf[1] -> stored[g] = 0 \
  :: else -> skip \
  fi

/* Cleanup of old plans: reads the fences (one at a time: a listing is not a snapshot), then deletes below the
   bound; the store refuses generations the fences named (the live set) and the newest plan. */
proctype cleanup() {
  byte c, lo, lf[NE];
  for (c : 1 .. CLEANUPS) {
    lf[0] = fence[0];
    lf[1] = fence[1];
    d_step {
#ifdef LEGACY
      /* v1: the lowest fence among the newest plan's endpoints; every fence's lowest if none of them has one */
      lo = 255;
      if :: lf[0] > 0 && PC(latest, 0) != 0 -> lo = lf[0] :: else -> skip fi;
      if :: lf[1] > 0 && PC(latest, 1) != 0 && lf[1] < lo -> lo = lf[1] :: else -> skip fi;
      if
      :: lo == 255 ->
         if :: lf[0] > 0 -> lo = lf[0] :: else -> skip fi;
         if :: lf[1] > 0 && lf[1] < lo -> lo = lf[1] :: else -> skip fi
      :: else -> skip
      fi;
      if :: lo == 255 -> lo = 0 :: else -> skip fi;
#else
      /* v2: the lowest shard fence; a shard without a fence holds everything */
      lo = (lf[0] < lf[1] -> lf[0] : lf[1]);
#endif
      DELETE_PLAN(1); DELETE_PLAN(2); DELETE_PLAN(3); DELETE_PLAN(4);
      INVARIANTS(0); INVARIANTS(1);
      lo = 0; lf[0] = 0; lf[1] = 0
    }
  }
}

/* v1's decision per endpoint: a plan without it removes its records with a plain DELETE; otherwise a fenced unit
   when the fence is below the plan (stand down above it; at it, in sync: drift repair is not modelled). */
#define LEGACY_UNIT(k, s) \
  if \
  :: PC(p, s) == 0 && live[s] != 0 -> bRm[(k) * NE + s] = 1; bOld[(k) * NE + s] = live[s]; any = 1 \
  :: PC(p, s) != 0 && f[s] < p -> bIn[(k) * NE + s] = 1; bF[(k) * NE + s] = f[s]; bOld[(k) * NE + s] = live[s]; any = 1 \
  :: else -> skip \
  fi

/* v2's decision per shard: below the plan, a unit that swaps the fence to p and writes the shard's content of p
   (a fence-only swap when it is unchanged); NAIVE leaves an unchanged shard's fence where it is. */
#ifdef NAIVE
#define V2_UNIT(k, s) \
  if \
  :: f[s] < p && live[s] == PC(p, s) -> quiet[s] = 1 \
  :: f[s] < p && live[s] != PC(p, s) -> bIn[(k) * NE + s] = 1; bF[(k) * NE + s] = f[s]; bOld[(k) * NE + s] = live[s]; any = 1 \
  :: else -> skip \
  fi
#else
#define V2_UNIT(k, s) \
  if \
  :: f[s] < p -> bIn[(k) * NE + s] = 1; bF[(k) * NE + s] = f[s]; bOld[(k) * NE + s] = live[s]; any = 1 \
  :: else -> skip \
  fi
#endif

/* What a v2 enactor knows is live in shard s once it has read the fence f[s]: nothing to know when the fence
   is at or above the plan; the content of plan f[s] when that plan is stored (no record read: the O(changes)
   cost); otherwise (no fence, plan deleted by cleanup) the shard's records, read after the fence. Reading
   stored[] and the records in one step loses no behaviour: a plan that is gone stays gone. */
#define LIVE(s) \
  if \
  :: f[s] >= p -> skip \
  :: f[s] < p && f[s] > 0 && stored[f[s]] -> live[s] = PC(f[s], s) \
  :: else -> live[s] = cont[s] \
  fi

/* The batch goes out with every unit decided (nothing to send: the pass is done and reported). */
#define SEND(k) \
  if \
  :: any -> bG[k] = p \
  :: else -> ok = 1; NAIVE_REPORT \
  fi

#ifdef NAIVE
/* The pass reports the plan enacted: its unchanged shards count as at p as well. */
#define NAIVE_REPORT \
  if \
  :: ok -> hi[0] = (quiet[0] -> MAX(hi[0], p) : hi[0]); hi[1] = (quiet[1] -> MAX(hi[1], p) : hi[1]) \
  :: else -> skip \
  fi
#else
#define NAIVE_REPORT skip
#endif

/*
 * One enactor pass (src/enactor): the latest plan, a read of the fences (v1: of the endpoint's records and
 * fence in either order), a decision per shard, one batch with all its units. A rejected batch ends the pass;
 * the enactor's next pass re-reads and re-decides (what the code's re-decide round does within a pass). A pass
 * may stop waiting at any time (crash, timeout, lost response): its batch may still land later.
 */
inline pass(k, calm) {
  p = latest;                     /* the latest plan (the store; the enactor keeps its content) */
  if
  :: p != 0 ->
#ifdef LEGACY
     /* a listing: each endpoint's records and its fence, in either order (records first: torn) */
     if :: live[0] = cont[0]; f[0] = fence[0] :: f[0] = fence[0]; live[0] = cont[0] fi;
     if :: live[1] = cont[1]; f[1] = fence[1] :: f[1] = fence[1]; live[1] = cont[1] fi;
     d_step { LEGACY_UNIT(k, 0); LEGACY_UNIT(k, 1); SEND(k) };
#else
#ifdef TORN
     /* v2 with today's listing order: the records first, then the fences */
     live[0] = cont[0];
     live[1] = cont[1];
     f[0] = fence[0];
     f[1] = fence[1];
#else
     /* v2: the shard fences first (one listing, not a snapshot: one read per fence), then what they name */
     f[0] = fence[0];
     f[1] = fence[1];
     d_step { LIVE(0) };
     d_step { LIVE(1) };
#endif
     d_step { V2_UNIT(k, 0); V2_UNIT(k, 1); SEND(k) };
#endif
     if
     :: !any -> skip
     :: any ->
        if
        :: d_step { resp[k] != 0 -> ok = (resp[k] == 1); resp[k] = 0; NAIVE_REPORT }
        :: !calm -> d_step { gone[k] = (bG[k] != 0); resp[k] = 0 }   /* crash, timeout or lost response */
        fi
     fi
  :: else -> skip
  fi;
  d_step { p = 0; f[0] = 0; f[1] = 0; live[0] = 0; live[1] = 0; any = 0; ok = 0; quiet[0] = 0; quiet[1] = 0 }
}

proctype enactor(byte first; byte passes) {
  byte n, p, f[NE], live[NE];
  bit quiet[NE];
  bool any, ok;
  for (n : 0 .. passes - 1) {
    /* the enactment hint (src/enactor/hints.ts) may make a pass wait or trust "enacted": it runs, or not at all */
    if
    :: pass(first + n, 0)
    :: skip
    fi
  }
}

init {
  byte p, s, f[NE], live[NE];
  bit quiet[NE];
  bool any, ok;
  atomic {
    run planner();
    run enactor(0, PASSES0);
    run enactor(PASSES0, PASSES1);
    run cleanup()
  };
  /* everything else has finished and every batch in flight has landed: one calm pass, then convergence */
  (_nr_pr == 2 && bG[0] == 0 && bG[1] == 0
#if NSLOT > 2
   && bG[2] == 0
#endif
#if NSLOT > 3
   && bG[3] == 0
#endif
   );
  pass(CALM_SLOT, 1);
  assert(latest == NG);
  for (s : 0 .. NE - 1) {
    assert(cont[s] == PC(latest, s));
#ifndef NAIVE
    assert(fence[s] == latest)
#endif
  }
}
