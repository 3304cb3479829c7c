// Test-only: see postgres_cluster.h.
#include "support/postgres_cluster.h"

#include "support/free_port.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace acmekit::test_support {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string read_file(const std::filesystem::path& path, std::uintmax_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(from));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last lines of text, for error messages.
std::string tail(const std::string& text, std::size_t lines = 15) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; pos > 0 && n <= lines; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}


struct ProcStat {
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
};

std::optional<ProcStat> proc_stat(pid_t pid) {
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 > text.size()) return std::nullopt;
  ProcStat st;
  st.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  rest >> st.state >> st.ppid;
  return st;
}

// Alive and still a postgres process (the name guards against a PID reused
// meanwhile: these are not our children once their postmaster is gone).
bool postgres_alive(pid_t pid) {
  auto st = proc_stat(pid);
  return st && st->state != 'Z' && st->state != 'X' && st->comm == "postgres";
}

// The postmaster's server processes (checkpointer, walwriter, backends, ...).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (auto st = proc_stat(pid); st && st->ppid == parent) out.push_back(pid);
  }
  return out;
}

// Waits until our child pid exits (reaped) or the deadline passes.
bool wait_exit(pid_t pid, Clock::duration timeout, int* status = nullptr) {
  const auto deadline = Clock::now() + timeout;
  int st = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      if (status != nullptr) *status = st;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// SIGKILL to every pid that is still postgres, until none is left (5 s).
void kill_leftovers(const std::vector<pid_t>& pids) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    bool any = false;
    for (pid_t p : pids) {
      if (postgres_alive(p)) {
        ::kill(p, SIGKILL);
        any = true;
      }
    }
    if (!any) return;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

std::unexpected<Error> error(ErrorKind kind, std::string detail) { return make_error(kind, std::move(detail)); }

}  // namespace

Result<std::unique_ptr<PostgresCluster>> PostgresCluster::start(Options options) {
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster(std::move(options)));
  // On any error below, the destructor stops what runs and removes the dir.
  ACMEKIT_CHECK(cluster->init());
  ACMEKIT_CHECK(cluster->launch());
  ACMEKIT_CHECK(query(cluster->admin_url(), "CREATE ROLE acmekit LOGIN"));
  ACMEKIT_CHECK(query(cluster->admin_url(), "CREATE DATABASE acmekit OWNER acmekit"));
  return cluster;
}

PostgresCluster::~PostgresCluster() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PostgresCluster::url_for(std::string_view database) const {
  return "postgres://acmekit@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

std::string PostgresCluster::admin_url() const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PostgresCluster::log_text() const { return read_file(dir_ / "postgres.log"); }

Status PostgresCluster::init() {
  bin_dir_ = options_.bin_dir;
  if (bin_dir_.empty()) {
    if (const char* env = std::getenv("PG_BINDIR"); env != nullptr && *env != '\0') bin_dir_ = env;
  }
  if (bin_dir_.empty()) {
    // The newest installed major version.
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(entry.path() / "bin" / "postgres")) found.push_back(entry.path() / "bin");
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      const auto va = std::atoi(a.parent_path().filename().c_str());
      const auto vb = std::atoi(b.parent_path().filename().c_str());
      return va < vb;
    });
    if (!found.empty()) bin_dir_ = found.back().string();
  }
  for (const char* tool : {"initdb", "postgres"}) {
    if (bin_dir_.empty() || ::access((bin_dir_ + "/" + tool).c_str(), X_OK) != 0) {
      return error(ErrorKind::kNotFound, std::string("PostgreSQL's ") + tool +
                                             " not found (Debian package postgresql; or set PG_BINDIR)");
    }
  }

  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam(options_.run_as.c_str());
    if (pw == nullptr) return error(ErrorKind::kNotFound, "no user " + options_.run_as + " to run postgres as");
    drop_privileges_ = true;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }

  char tmpl[] = "/tmp/acmekit-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return error(ErrorKind::kIo, std::string("mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  std::error_code ec;
  std::filesystem::create_directory(socket_dir(), ec);
  if (ec) return error(ErrorKind::kIo, "creating " + socket_dir().string() + ": " + ec.message());
  if (drop_privileges_) {
    for (const auto& p : {dir_, socket_dir()}) {
      if (::chown(p.c_str(), uid_, gid_) != 0) {
        return error(ErrorKind::kIo, "chown " + p.string() + ": " + std::strerror(errno));
      }
    }
  }

  ACMEKIT_CHECK(run_server_tool({bin_dir_ + "/initdb", "-D", data_dir().string(), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--locale=C", "--no-instructions", "--no-sync"},
                                dir_ / "initdb.log"));
  {
    std::ofstream hba(data_dir() / "pg_hba.conf", std::ios::trunc);
    hba << "# acmekit unit tests: trust, loopback and the socket in " << socket_dir().string() << " only\n"
        << "local all all trust\n"
        << "host  all all 127.0.0.1/32 trust\n";
    std::ofstream conf(data_dir() / "postgresql.conf", std::ios::app);
    conf << "\n# ---- acmekit unit tests (PostgresCluster); the port is on the command line\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << socket_dir().string() << "'\n"
         << "log_line_prefix = '%m [%p] %q%u@%d '\n";
    if (!hba || !conf) return error(ErrorKind::kIo, "cannot write the configuration in " + data_dir().string());
  }
  return {};
}

pid_t PostgresCluster::spawn(const std::vector<std::string>& argv, int out_fd) {
  // Everything the child needs is prepared before fork (only async-signal-safe
  // calls between fork and exec).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const bool drop = drop_privileges_;
  const uid_t uid = uid_;
  const gid_t gid = gid_;
  const pid_t pid = ::fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) ::_exit(126);
    if (drop && (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0)) {
      ::_exit(126);
    }
    // If the test process dies without stopping us (a crash), the postmaster
    // goes too; its server processes follow when they see it gone. (Set
    // after the uid change, which clears it; it fires when the thread that
    // forked exits: start clusters from a thread that outlives them.)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  return pid;
}

Status PostgresCluster::run_server_tool(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return error(ErrorKind::kIo, "open " + log.string() + ": " + std::strerror(errno));
  const pid_t pid = spawn(argv, fd);
  ::close(fd);
  if (pid < 0) return error(ErrorKind::kIo, std::string("fork: ") + std::strerror(errno));
  int status = 0;
  if (!wait_exit(pid, std::chrono::seconds(120), &status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return error(ErrorKind::kTimeout, argv.front() + " did not finish within 120 s");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return error(ErrorKind::kUnavailable,
                 argv.front() + " failed (status " + std::to_string(status) + "): " + tail(read_file(log)));
  }
  return {};
}

Status PostgresCluster::launch() {
  const bool fresh = port_ == 0;
  const std::filesystem::path log = dir_ / "postgres.log";
  for (int attempt = 1; attempt <= (fresh ? 3 : 1); ++attempt) {
    if (fresh) port_ = free_loopback_port();
    if (port_ == 0) return error(ErrorKind::kIo, "no free loopback port");
    std::error_code ec;
    const std::uintmax_t from = std::filesystem::exists(log) ? std::filesystem::file_size(log, ec) : 0;
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return error(ErrorKind::kIo, "open " + log.string() + ": " + std::strerror(errno));
    // postgres in the foreground (no pg_ctl, which daemonizes): pid_ is the postmaster.
    pid_ = spawn({bin_dir_ + "/postgres", "-D", data_dir().string(), "-p", std::to_string(port_)}, fd);
    ::close(fd);
    if (pid_ < 0) return error(ErrorKind::kIo, std::string("fork: ") + std::strerror(errno));

    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres connect_timeout=2";
    const auto deadline = Clock::now() + options_.start_timeout;
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        pid_ = -1;
        break;
      }
      if (PQping(conninfo.c_str()) == PQPING_OK) return {};
      std::this_thread::sleep_for(milliseconds(50));
    }
    const std::string text = read_file(log, from);
    if (!exited) {
      stop();
      return error(ErrorKind::kTimeout, "postgres did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                                            " within " + std::to_string(options_.start_timeout.count()) +
                                            " s: " + tail(text));
    }
    const bool port_taken = text.find("could not bind") != std::string::npos ||
                            text.find("could not create any TCP/IP sockets") != std::string::npos;
    if (!fresh || !port_taken) {
      return error(ErrorKind::kUnavailable, "postgres exited at startup on port " + std::to_string(port_) + ": " +
                                                tail(text));
    }
  }
  return error(ErrorKind::kUnavailable, "postgres could not bind a port (3 tried)");
}

void PostgresCluster::stop() {
  if (pid_ <= 0) return;
  const auto children = children_of(pid_);
  ::kill(pid_, SIGINT);  // fast shutdown (SIGTERM would wait for every client)
  if (!wait_exit(pid_, std::chrono::seconds(15))) {
    ::kill(pid_, SIGKILL);
    for (pid_t c : children) ::kill(c, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  kill_leftovers(children);
  pid_ = -1;
}

void PostgresCluster::kill() {
  if (pid_ <= 0) return;
  const auto children = children_of(pid_);
  ::kill(pid_, SIGKILL);
  for (pid_t c : children) ::kill(c, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  kill_leftovers(children);
  pid_ = -1;
}

Status PostgresCluster::restart() {
  stop();
  return launch();
}

Result<std::string> PostgresCluster::create_database(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 63 && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
  if (!valid) return error(ErrorKind::kInvalidArgument, "bad database name '" + std::string(name) + "'");
  ACMEKIT_CHECK(query(admin_url(), "CREATE DATABASE " + std::string(name) + " OWNER acmekit"));
  return url_for(name);
}

Result<PostgresCluster::Rows> PostgresCluster::query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trim(PQerrorMessage(conn));
    PQfinish(conn);
    return error(ErrorKind::kUnavailable, "connecting to " + url + ": " + message);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = trim(PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return error(ErrorKind::kUnavailable, "on " + url + ": " + sql + ": " + message);
  }
  Rows rows;
  for (int r = 0; r < PQntuples(res); ++r) {
    auto& row = rows.emplace_back();
    for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
  }
  PQclear(res);
  PQfinish(conn);
  return rows;
}

void PostgresTest::SetUp() {
  if (!started_) {
    started_ = true;
    auto cluster = PostgresCluster::start();
    if (cluster) {
      cluster_ = std::move(*cluster);
    } else {
      start_error_ = cluster.error().detail;
    }
  }
  ASSERT_TRUE(cluster_ != nullptr) << "PostgreSQL did not start: " << start_error_;
}

void PostgresTest::TearDownTestSuite() {
  cluster_.reset();
  started_ = false;
  start_error_.clear();
}

std::string PostgresTest::fresh_database() {
  std::string name = "t" + std::to_string(++databases_) + "_";
  for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  name.resize(std::min<std::size_t>(name.size(), 63));
  auto url = cluster_->create_database(name);
  if (!url) {
    ADD_FAILURE() << "cannot create database " << name << ": " << url.error().detail;
    return {};
  }
  return *url;
}

}  // namespace acmekit::test_support
