// Trace bytes from the file system: a file, or standard input. The trace
// layer only parses bytes it is handed (core/trace/byte_source.h); opening
// files and reading stdin is the CLI's business, as zstd keeps file I/O in
// programs/ and leaves lib/ to transform buffers.
#ifndef TTM_CLI_FILE_SOURCE_H_
#define TTM_CLI_FILE_SOURCE_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "core/trace/byte_source.h"
#include "core/trace/trace_reader.h"
#include "core/trace/whole_trace.h"

namespace ttm::cli {

// Opens `path` for reading; the source knows the file's size for progress.
// Error (kIoError): "PATH: cannot open: <strerror>", also for a directory.
Result<std::unique_ptr<trace::ByteSource>> OpenFileSource(const std::string& path);

// Standard input (file descriptor 0), not closed at the end.
std::unique_ptr<trace::ByteSource> StdinSource();

// `path`, or standard input for "-".
Result<std::unique_ptr<trace::ByteSource>> OpenInput(const std::string& path);

// The name an input goes by in messages: the path, "<stdin>" for "-".
std::string InputName(const std::string& path);

// Opens the trace at `path` ("-" is standard input) and reads its header.
// Errors: "PATH: cannot open: <strerror>", or a header error "PATH:LINE: ...".
Result<std::unique_ptr<trace::TraceReader>> OpenTrace(const std::string& path,
                                                      trace::ReaderOptions options = {});

// The whole trace at `path` in memory (explore, reduce): OpenTrace's
// errors, then those of every line.
Result<trace::WholeTrace> ReadWholeTraceFile(const std::string& path);

}  // namespace ttm::cli

#endif  // TTM_CLI_FILE_SOURCE_H_
