# A synthetic recording in the ttm-record format, for timing `ttm-replay import`:
#   awk -v n=125000 -f tools/bench/make_recording.awk > /tmp/raw-1m.txt   # 1 M calls, 64 MB
#   bazel build -c opt //cli:ttm-replay && time bazel-bin/cli/ttm-replay import /tmp/raw-1m.txt -o /tmp/t.jsonl
# Each of n objects: init, populate (+ a nested pool alloc), a full backup, a
# restore, unpopulate (+ a nested pool free), fini; 64 addresses reused in turn.
BEGIN {
  print "ttm-record 1"
  print "machine kernel=6.15.0 page_size=4096 total_pages=262144 dma32_pages=262144 swap_free_pages=524288 max_order=10"
  t = 0
  for (i = 0; i < n; i++) {
    tt = sprintf("0x%x", 4096 * (1 + i % 64)); t += 10
    printf "%d 1 ttm_tt_init tt=%s pages=256 caching=1 flags=0xc depth=0 ret=0\n", t, tt; t += 10
    printf "%d 1 ttm_tt_populate tt=%s intr=1 depth=0 ret=0 copies=0 copy_err=0\n", t, tt; t += 10
    printf "%d 1 ttm_pool_alloc tt=%s depth=1 ret=0\n", t, tt; t += 10
    printf "%d 1 ttm_tt_backup tt=%s purge=0 writeback=0 depth=0 ret=256 backups=256 backup_err=0\n", t, tt; t += 10
    printf "%d 1 ttm_tt_populate tt=%s intr=1 depth=0 ret=0 copies=256 copy_err=0\n", t, tt; t += 10
    printf "%d 1 ttm_tt_unpopulate tt=%s depth=0\n", t, tt; t += 10
    printf "%d 1 ttm_pool_free tt=%s depth=1\n", t, tt; t += 10
    printf "%d 1 ttm_tt_fini tt=%s depth=0\n", t, tt
  }
}
