// The ttm_tt_* wrappers of drivers/gpu/drm/ttm/ttm_tt.c as merged in Linux
// v6.15, and the part of xe's populate hook that decides between a restore
// and a fresh allocation (xe_ttm_tt_populate(), 00c8efc3180f).
//
// What changed from V13: ttm_tt_backup() sets TTM_TT_FLAG_BACKED_UP itself,
// for a purge too; the restore is explicit (ttm_tt_restore()), chosen by the
// driver; ttm_tt_fini() releases a backed-up state only when the flag is
// set. SWAPPED is never touched.
#include "core/engine/model.h"

namespace ttm {

// Models ttm_tt_populate() (v6.15) with xe's populate hook: nothing when
// populated; a backed-up tt that was not purged is restored
// (ttm_tt_restore()); otherwise BACKED_UP is cleared
// (ttm_tt_clear_backed_up()) and the tt allocated afresh (ttm_pool_alloc()).
// On success: xe clears purgeable, ttm_tt_populate() sets PRIV_POPULATED and
// clears BACKED_UP.
int TtmModel::TtPopulateMerged(TtObject& tt, const OperationCtx& ctx) {
  if (tt.populated()) return 0;
  int ret = 0;
  if (tt.backed_up() && !tt.purgeable) {
    ret = TtRestore(tt, ctx);
  } else {
    tt.page_flags &= ~kTtFlagBackedUp;
    ret = PoolAllocMerged(tt, ctx);
  }
  if (ret) return ret;
  tt.purgeable = false;
  tt.wb_by_backup = false;
  tt.page_flags |= kTtFlagPrivPopulated;
  tt.page_flags &= ~kTtFlagBackedUp;
  return 0;
}

// Models ttm_tt_restore() (v6.15): ttm_pool_restore_and_alloc(), and
// BACKED_UP cleared on success.
int TtmModel::TtRestore(TtObject& tt, const OperationCtx& ctx) {
  const int ret = PoolRestoreAndAlloc(tt, ctx);
  if (ret) return ret;
  tt.page_flags &= ~kTtFlagBackedUp;
  return 0;
}

// Models ttm_tt_backup() (v6.15): ttm_pool_backup(), then, when it returns
// > 0, PRIV_POPULATED cleared and BACKED_UP set (after a purge as well). A
// purged tt is what xe calls purgeable: its content is gone.
int64_t TtmModel::TtBackupMerged(TtObject& tt, const BackupFlags& flags) {
  if (!tt.has_backup) return 0;  // WARN_ON(IS_ERR_OR_NULL(tt->backup))
  const int64_t ret = PoolBackup(tt, flags);
  if (ret > 0) {
    tt.page_flags &= ~kTtFlagPrivPopulated;
    tt.page_flags |= kTtFlagBackedUp;
    if (flags.purge) {
      tt.purgeable = true;
      tt.expected.Reset();  // purged content is exempt
    }
  }
  return ret;
}

// Models ttm_tt_fini() (v6.15): ttm_pool_drop_backed_up() only when the tt
// is backed up, then the rest of the teardown (TtDestroy()). A restore
// state left on a tt that is not backed up (4.8) is never freed.
void TtmModel::TtFiniMerged(TtObject& tt) {
  if (tt.backed_up()) PoolDropBackedUp(tt);
  TtDestroy(tt);
}

}  // namespace ttm
