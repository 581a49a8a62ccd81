#pragma once
// Runs the real phodex binary for end-to-end tests.

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
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
// root); `binary` is another copy of phodex (PhodexCopy). Returns the pid.
inline pid_t SpawnPhodex(const std::vector<std::string>& args,
                         const std::string& out_path = "/dev/null",
                         const std::string& err_path = "/dev/null",
                         const std::vector<std::string>& prefix = {},
                         const std::string& binary = PHODEX_BINARY) {
  std::vector<std::string> argv_s = prefix;
  argv_s.push_back(binary);
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
                           const std::vector<std::string>& prefix = {},
                           const std::string& binary = PHODEX_BINARY) {
  const std::string out = scratch_dir + "/stdout.txt";
  const std::string err = scratch_dir + "/stderr.txt";
  RunResult r;
  r.exit_code = WaitExit(SpawnPhodex(args, out, err, prefix, binary));
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

// A copy of the phodex binary and its decoder module in a fresh folder that
// every user may enter and read (mode 0755), removed with the object: for
// running phodex as another user (nobody) when the build tree lies in a
// folder only its owner may enter (a clone in /root, mode 700).
class PhodexCopy {
 public:
  PhodexCopy() {
    namespace fs = std::filesystem;
    std::string tmpl =
        (fs::temp_directory_path() / "phodex-bin-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return;
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    const fs::path built = PHODEX_BINARY;
    std::error_code ec;
    fs::copy_file(built, dir_ + "/phodex", ec);
    fs::copy_file(built.parent_path() / "phodex_decoders.so",
                  dir_ + "/phodex_decoders.so", ec);
    for (const char* name : {"/phodex", "/phodex_decoders.so"}) {
      ::chmod((dir_ + name).c_str(), 0755);
    }
  }
  ~PhodexCopy() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PhodexCopy(const PhodexCopy&) = delete;
  PhodexCopy& operator=(const PhodexCopy&) = delete;
  std::string binary() const { return dir_ + "/phodex"; }
  std::string module() const { return dir_ + "/phodex_decoders.so"; }

 private:
  std::string dir_;
};

// The prefix that runs phodex as nobody (uid 65534) with `home` as its
// home and config folder (nobody cannot look into /root), or an empty
// vector when setpriv is missing. For tests that run as root.
inline std::vector<std::string> AsNobody(const std::string& home) {
  if (::access("/usr/bin/setpriv", X_OK) != 0) return {};
  return {"/usr/bin/env",
          "HOME=" + home,
          "XDG_CONFIG_HOME=" + home,
          "/usr/bin/setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "--"};
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
