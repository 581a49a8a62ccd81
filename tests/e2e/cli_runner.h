#pragma once
// Runs the real phodex binary for end-to-end tests.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace phodex::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts phodex with `args`; stdout/stderr go to the given files (or
// /dev/null). `prefix` runs it through another program (setpriv to drop
// root). Returns the pid.
inline pid_t SpawnPhodex(const std::vector<std::string>& args,
                         const std::string& out_path = "/dev/null",
                         const std::string& err_path = "/dev/null",
                         const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv_s = prefix;
  argv_s.push_back(PHODEX_BINARY);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  posix_spawn(&pid, argv_s[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The exit status, or 1000 + the signal number for a process killed by a
// signal (so a handled SIGINT's exit(130) is told apart from death by it).
inline int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
  return -1;
}

// Runs phodex to completion with output captured in `scratch_dir`.
inline RunResult RunPhodex(const std::vector<std::string>& args,
                           const std::string& scratch_dir,
                           const std::vector<std::string>& prefix = {}) {
  const std::string out = scratch_dir + "/stdout.txt";
  const std::string err = scratch_dir + "/stderr.txt";
  RunResult r;
  r.exit_code = WaitExit(SpawnPhodex(args, out, err, prefix));
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

// Runs `cmd` with sh (vips, exiftool: tools that make or check test
// files); its stdout and exit status (stderr goes where `cmd` sends it).
inline RunResult RunShell(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) r.out += buf;
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace phodex::testing
