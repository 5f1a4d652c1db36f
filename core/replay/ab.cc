#include "core/replay/ab.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/timeline/timeline.h"

namespace ttm {
namespace {

using Json = nlohmann::ordered_json;

std::string_view Chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string AbSideName(char side, const std::string& semantics) {
  return std::string(1, side) + " (" + semantics + ")";
}

AbReplayer::AbReplayer(const MachineConfig& config, const AbOptions& options) : options_(options) {
  ReplayOptions a;
  a.semantics = options.a;
  a.check_every = options.check_every;
  a.timeline = [this](std::string_view line) { line_a_.assign(Chomp(line)); };
  ReplayOptions b = a;
  b.semantics = options.b;
  b.timeline = [this](std::string_view line) { line_b_.assign(Chomp(line)); };
  a_.emplace(config, std::move(a));
  b_.emplace(config, std::move(b));
}

Result<std::unique_ptr<AbReplayer>> AbReplayer::Make(const MachineConfig& config, const AbOptions& options) {
  for (const std::string* name : {&options.a, &options.b})
    if (!SemanticsFromName(*name))
      return Status::Usage("ab: unknown semantics '" + *name + "' (v13, merged or merged-fixed)");
  std::unique_ptr<AbReplayer> ab(new AbReplayer(config, options));
  // Both sides compare under one header: the trace is the same and the
  // semantics differ on purpose, so only the events are compared.
  const std::string header(Chomp(TimelineHeader(std::string(64, '0'), "ab")));
  Status started = ab->comparer_.Start(header, header, AbSideName('a', options.a), AbSideName('b', options.b));
  if (!started.ok()) return started;
  return ab;
}

Status AbReplayer::Apply(const Event& event) {
  line_a_.clear();
  line_b_.clear();
  a_->Apply(event);
  b_->Apply(event);
  if (!HasTimelineLine(event.body)) return Status::Ok();
  ++events_;
  return comparer_.Add(line_a_, line_b_, event.line, event.line);
}

AbResult AbReplayer::Finish() {
  AbResult r;
  r.a = options_.a;
  r.b = options_.b;
  r.timeline = comparer_.result();
  r.report_a = a_->Finish();
  r.report_b = b_->Finish();
  return r;
}

Result<DiffResult> AbHeadlineDiff(const AbResult& result, const std::string& a_json,
                                  const std::string& b_json) {
  const std::string a_name = AbSideName('a', result.a), b_name = AbSideName('b', result.b);
  Result<DiffResult> diff = DiffReports(a_json, b_json, a_name, b_name);
  if (!diff.ok()) return diff;
  std::vector<FieldChange>& changes = diff->changes;
  changes.erase(std::remove_if(changes.begin(), changes.end(),
                               [](const FieldChange& c) {
                                 return c.path == "options.semantics" || c.path == "behaviour.digest" ||
                                        c.path.find('[') != std::string::npos;
                               }),
                changes.end());
  diff->old_build = a_name;
  diff->new_build = b_name;
  return diff;
}

std::string RenderAbText(const AbResult& result, const DiffResult& headline) {
  std::string out = RenderTimelineDiffText(result.timeline);
  if (result.diverged()) out += "reports:\n" + RenderDiffText(headline);
  return out;
}

std::string RenderAbJson(const AbResult& result, const DiffResult& headline, const std::string& a_json,
                         const std::string& b_json) {
  // One definition of first_divergence: the timeline diff's own JSON.
  const Json timeline = Json::parse(RenderTimelineDiffJson(result.timeline));
  Json j = {{"a", result.a},
            {"b", result.b},
            {"diverged", result.diverged()},
            {"first_divergence", timeline["first_divergence"]},
            {"differing_events", timeline["differing_events"]},
            {"events", result.timeline.old_events},
            {"headline", Json::parse(RenderDiffJson(headline))},
            {"reports", {{"a", Json::parse(a_json)}, {"b", Json::parse(b_json)}}}};
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace ttm
