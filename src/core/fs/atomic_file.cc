#include "core/fs/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
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

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("reading", path, errno);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace acmekit::fsio
