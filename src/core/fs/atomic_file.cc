#include "core/fs/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

namespace acmekit::fsio {
namespace fs = std::filesystem;
namespace {

std::unexpected<Error> io_error(std::string_view what, const fs::path& p, int err) {
  return make_error(ErrorKind::kIo,
                    std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

std::string temp_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << ".tmp." << ::getpid() << "." << std::hex << rng();
  return s.str();
}

}  // namespace

Status sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("opening directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("syncing directory", dir, err);
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return make_error(ErrorKind::kIo, "creating " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  const fs::path tmp = fs::path(path.string() + temp_suffix());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_error("creating", tmp, errno);
  // open() applies the umask; make the mode exact (keys must be 0600).
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("writing", tmp, err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("syncing", tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("renaming onto", path, err);
  }
  return sync_directory(dir);
}

Status replace_symlink_atomic(const fs::path& target, const fs::path& link) {
  const fs::path dir = link.has_parent_path() ? link.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path tmp = fs::path(link.string() + temp_suffix());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) return io_error("creating symlink", tmp, errno);
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("renaming symlink onto", link, err);
  }
  return sync_directory(dir);
}

// One read(2) into a buffer of the file's size (no stream copies: the
// lineage index and the ARI cache of 100,000 lineages are megabytes read on
// every `renew`), then on to end of file (the size may have grown, or be 0
// as in /proc).
Result<std::string> read_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("reading", path, errno);
  struct stat st {};
  std::string out;
  // One byte more than the size, so that the read after the whole file
  // sees its end without growing the buffer.
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  while (true) {
    if (used == out.size()) out.resize(std::max<std::size_t>(4096, out.size() * 2));
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return io_error("reading", path, err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
}

}  // namespace acmekit::fsio
