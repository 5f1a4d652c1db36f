// For tests of IdMap and of what is built on it: ids that it hashes alike.
#ifndef TTM_CORE_ID_MAP_TESTING_H_
#define TTM_CORE_ID_MAP_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/id_map.h"

namespace ttm::testing {

// `n` distinct ids of at most 2^63-1 (the trace format's largest) whose
// products with IdMap::kMultiplier are consecutive numbers from `first`
// on: with first = 1 their top bits are all zeros (every id's home is
// slot 0, whatever the array's size), with first = 2^64 - 2n - 1 all ones
// (the last slot, so their run wraps around the array's end). A trace
// could name its objects so.
inline std::vector<uint64_t> IdsHashingAlike(uint64_t first, size_t n) {
  uint64_t inverse = IdMap::kMultiplier;  // Newton's iteration: kMultiplier^-1 mod 2^64
  for (int i = 0; i < 6; ++i) inverse *= 2 - IdMap::kMultiplier * inverse;
  std::vector<uint64_t> ids;
  for (uint64_t product = first; ids.size() < n; ++product)
    if (const uint64_t id = product * inverse; id >> 63 == 0) ids.push_back(id);
  return ids;
}

}  // namespace ttm::testing

#endif  // TTM_CORE_ID_MAP_TESTING_H_
