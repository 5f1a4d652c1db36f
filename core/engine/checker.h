// The invariant checker.
//
// The invariants, numbered and explained in docs/invariants.md. Those
// marked [op] are checked where the state cannot show them afterwards, by
// the modelled operation itself as it runs (the page has already gone back
// to the system, the copy has already been made); the rest are checked
// here, on the state, by one pure function.
//
// 3.1 Ownership and page accounting
//   3.1.1 ownership      every slot, old_pages entry and pool entry refers to a
//                        page it owns; no use after free [op + state]
//   3.1.2 pool-accounting allocated_pages equals the pages on the pool lists;
//                        pooled blocks are whole and of the type's order [op + state]
//   3.1.3 conservation   pages taken from the system = pooled + owned by tts;
//                        nothing allocated is referenced by nothing (leak)
//   3.1.4 split          only split_for_swap splits a block; a tail is never
//                        freed on its own [op]
// 3.2 Slot structure per state
//   3.2.1 populated-layout   populated: slots tile into whole blocks, no NULL,
//                            no handle
//   3.2.2 unpopulated-owns-nothing  neither populated nor backed up: no pages,
//                            no backup pages
//   3.2.3 backed-up-layout   backed up: handles form a prefix; retained pages
//                            are write-back and owned
//   3.2.4 restore-state      the V13 restore struct agrees with the slots
//   3.2.5 flags              never populated and backed up; restore implies
//                            backed up; SWAPPED iff PRIV_BACKED_UP
// 3.3 Backup store
//   3.3.1 handle-references  live backup pages = handles present, one each
//   3.3.2 handle-value       a handle in slot i is i + 1
//   3.3.3 handle-use         copy and drop only live handles, once [op]
//   3.3.4 backup-released    nothing left in the store at fini [op]
// 3.4 Caching
//   3.4.1 pool-caching   pooled pages have the type's caching; pages reach
//                        the system write-back [op]
//   3.4.2 tt-caching     a populated tt's pages have the tt's caching
//   3.4.3 restore-caching  during a restore: tt caching before the divide,
//                        WB from it to alloced_pages
//   3.4.4 wb-after-failed-backup  the case of 3.4.2 that 4.6 reaches: a
//                        non-WB tt left populated with the WB pages of a
//                        backup that failed; reported under 3.4.4 only
// 3.5 DMA (tts with a dma_address array)
//   3.5.1 dma-mapping    populated: every block mapped
//   3.5.2 dma-unmapped   backed up: retained pages unmapped
//   3.5.3 dma-unmap-once unmap once per mapping; nothing reaches the system
//                        or a pool mapped [op]
//   3.5.4 dma-address    dma_address[i] is the bus address of slot i's page
// 3.6 Data preservation
//   3.6.1 restored-content  each page a restore fills holds what was last
//                        written to its slot [op]
//   3.6.2 single-copy    while backed up, the content last written to every
//                        slot exists exactly once among the tt's pages,
//                        old_pages and backup copies (where is 3.3.2's job)
//   3.6.3 fresh-content  a fresh populate gives zero pages (pool,
//                        ZERO_ALLOC) or poison, never old content [op]
// 3.7 Progress
//   3.7.1 backup-return  a positive backup return equals the slots changed [op]
//   3.7.2 restore-progress  (committed pages, restored_pages) never goes
//                        back: broken when slots already restored are taken
//                        back into old_pages (4.9), once per call [op]
// kernel-crash           an operation the kernel would oops on [op]
//
// Under --semantics merged / merged-fixed (the code as merged in v6.15) some
// invariants are read differently (docs/semantics-merged.md): 3.2.4 checks
// the snapshot_alloc cursor, the handle-0 markers of consumed slots and the
// staged block instead of old_pages; 3.4.3 accepts pages after the caching
// divide that already have the tt caching (v6.15 converts before it moves
// the divide); 3.2.5 drops SWAPPED <=> BACKED_UP (v6.15 never sets SWAPPED);
// the 4.9 restart detection of 3.7.2 is V13's only.
#ifndef TTM_CORE_ENGINE_CHECKER_H_
#define TTM_CORE_ENGINE_CHECKER_H_

#include <vector>

#include "core/engine/engine.h"
#include "core/engine/model.h"

namespace ttm {

// Checks the state invariants of the given tts (by model index) and the
// global ones. With full = true, also walks every pool list. Pure: reads
// the model, returns what is broken, at most one finding per invariant and
// tt.
std::vector<Violation> CheckInvariants(const TtmModel& model, const std::vector<const TtObject*>& tts,
                                       bool full);

}  // namespace ttm

#endif  // TTM_CORE_ENGINE_CHECKER_H_
