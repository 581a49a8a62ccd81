// Ratings written back to sidecars and into JPEG/TIFF/DNG files, on copies
// of the shared corpus (../shared/corpus/metadata/files), read back with
// Exiv2 and with exiftool; the atomic replacement under injected faults and
// simulated crashes (a child process that _exit()s at each step).

#include "media/rating_writer.h"

#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <exiv2/exiv2.hpp>
#include <nlohmann/json.hpp>

#include "os/file_system.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::media {
namespace {

namespace fs = std::filesystem;
using testing::FakeFileSystem;
using ::testing::HasSubstr;
using testing::TempDir;

// ---- helpers ---------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// A writable copy of a corpus file (the corpus itself is read-only).
std::string CopyFromCorpus(const TempDir& dir, const std::string& rel,
                           const std::string& name = "") {
  const std::string from =
      std::string(PHODEX_CORPUS_DIR) + "/metadata/files/" + rel;
  const std::string to =
      dir / (name.empty() ? fs::path(rel).filename().string() : name);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms(0644));
  return to;
}

// Names in `dir` other than `keep`: stray temp files.
std::vector<std::string> OtherFiles(const std::string& dir,
                                    const std::string& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() != keep) out.push_back(e.path().filename());
  }
  return out;
}

bool HaveExiftool() {
  static const bool ok = std::system("exiftool -ver >/dev/null 2>&1") == 0;
  return ok;
}

nlohmann::json Exiftool(const std::string& args, const std::string& file) {
  std::string out;
  if (FILE* p = ::popen(
          ("exiftool -j -n " + args + " '" + file + "' 2>/dev/null").c_str(),
          "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) {
      out.append(buf, n);
    }
    ::pclose(p);
  }
  auto j = nlohmann::json::parse(out, nullptr, false);
  return j.is_array() && !j.empty() ? j[0] : nlohmann::json::object();
}

// Every tag exiftool reports (-a: duplicates too; -G1: groups per IFD and
// XMP namespace), less what a rating write may change: the rating tags, the
// file system's and exiftool's own facts and the XMP toolkit name.
nlohmann::json OtherTags(nlohmann::json all) {
  for (auto it = all.begin(); it != all.end();) {
    const std::string key = it.key();
    const std::string tag = key.substr(key.find(':') + 1);
    if (key == "SourceFile" || key.starts_with("File:") ||
        key.starts_with("System:") || tag == "Rating" ||
        tag == "RatingPercent" || tag == "XMPToolkit") {
      it = all.erase(it);
    } else {
      ++it;
    }
  }
  return all;
}

nlohmann::json AllTags(const std::string& file) {
  return Exiftool("-G1 -a -struct", file);
}

struct Exiv2Ratings {
  std::string exif, percent, xmp;
};

Exiv2Ratings ReadWithExiv2(const std::string& path) {
  auto image = Exiv2::ImageFactory::open(path);
  image->readMetadata();
  Exiv2Ratings r;
  auto& exif = image->exifData();
  auto& xmp = image->xmpData();
  if (auto it = exif.findKey(Exiv2::ExifKey("Exif.Image.Rating"));
      it != exif.end()) {
    r.exif = it->toString();
  }
  if (auto it = exif.findKey(Exiv2::ExifKey("Exif.Image.RatingPercent"));
      it != exif.end()) {
    r.percent = it->toString();
  }
  if (auto it = xmp.findKey(Exiv2::XmpKey("Xmp.xmp.Rating")); it != xmp.end()) {
    r.xmp = it->toString();
  }
  return r;
}

Exiv2::XmpData DecodeSidecar(const std::string& text) {
  Exiv2::XmpData xmp;
  EXPECT_EQ(Exiv2::XmpParser::decode(xmp, text), 0);
  return xmp;
}

std::string SidecarRating(const std::string& text) {
  Exiv2::XmpData xmp = DecodeSidecar(text);
  auto it = xmp.findKey(Exiv2::XmpKey("Xmp.xmp.Rating"));
  return it == xmp.end() ? "" : it->toString();
}

std::string FakeContent(FakeFileSystem& f, const std::string& path) {
  auto file = f.OpenForRead(path, os::AccessPattern::kSequential);
  if (!file) return "<" + file.error().ToString() + ">";
  std::string out(static_cast<size_t>((*file)->size()), '\0');
  EXPECT_TRUE((*file)->ReadAt(0, out.data(), out.size()));
  return out;
}

// Offset of the JPEG's SOS marker: everything from there on is image data.
size_t ImageDataOffset(const std::string& jpeg) {
  size_t pos = 2;
  while (pos + 4 <= jpeg.size()) {
    const auto m = static_cast<unsigned char>(jpeg[pos + 1]);
    if (m == 0xFF) {
      ++pos;
      continue;
    }
    if (m == 0xDA) return pos;
    pos += 2 + (static_cast<unsigned char>(jpeg[pos + 2]) << 8 |
                static_cast<unsigned char>(jpeg[pos + 3]));
  }
  return std::string::npos;
}

// Runs `fn` in a child process, as user "nobody" when we are root (root
// ignores permission bits). The child's exit code; 100: could not drop
// privileges.
int RunUnprivileged(const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 ||
                             ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(100);
    }
    ::_exit(fn());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int CodeOf(const Status& s) {
  return s ? 0 : static_cast<int>(s.error().code());
}

// A sidecar as Lightroom and darktable write them, with what must survive.
constexpr char kRichSidecar[] =
    R"(<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"
    xmlns:my="http://example.com/my/1.0/"
   xmp:Rating="2"
   xmp:Label="Red"
   crs:Exposure2012="+0.35"
   darktable:xmp_version="5"
   MicrosoftPhoto:Rating="25"
   my:Custom="keep me">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">A title</rdf:li>
     <rdf:li xml:lang="de-DE">Ein Titel</rdf:li></rdf:Alt></dc:title>
   <dc:subject><rdf:Bag><rdf:li>alpha</rdf:li><rdf:li>beta &amp; gamma</rdf:li>
     <rdf:li>ünïcödé</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>places|Berlin</rdf:li></rdf:Bag>
   </lr:hierarchicalSubject>
   <crs:ToneCurvePV2012><rdf:Seq><rdf:li>0, 0</rdf:li><rdf:li>255, 255</rdf:li>
   </rdf:Seq></crs:ToneCurvePV2012>
   <xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved"
     stEvt:instanceID="xmp.iid:1" stEvt:softwareAgent="Adobe Photoshop Lightroom Classic 12.0"/></rdf:Seq>
   </xmpMM:History>
   <darktable:history><rdf:Seq><rdf:li darktable:num="0"
     darktable:operation="exposure" darktable:params="0000000000000000"/>
   </rdf:Seq></darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>)";

// ---- SidecarPathFor
// ----------------------------------------------------------

TEST(SidecarPathFor, NewSidecarGetsTheConfiguredName) {
  FakeFileSystem f;
  f.AddFile("/p/IMG_1.CR2", "raw");
  EXPECT_EQ(SidecarPathFor(f, "/p/IMG_1.CR2").value(), "/p/IMG_1.CR2.xmp");
  EXPECT_EQ(
      SidecarPathFor(f, "/p/IMG_1.CR2", {SidecarNaming::kBaseName}).value(),
      "/p/IMG_1.xmp");
  f.AddFile("/p/noext", "x");
  EXPECT_EQ(SidecarPathFor(f, "/p/noext", {SidecarNaming::kBaseName}).value(),
            "/p/noext.xmp");
}

TEST(SidecarPathFor, AnExistingSidecarWinsOverTheNaming) {
  FakeFileSystem f;
  f.AddFile("/p/IMG_1.CR2", "raw");
  f.AddFile("/p/IMG_1.xmp", "lightroom");
  EXPECT_EQ(SidecarPathFor(f, "/p/IMG_1.CR2").value(), "/p/IMG_1.xmp");
  f.AddFile("/p/IMG_1.CR2.xmp", "darktable");
  EXPECT_EQ(
      SidecarPathFor(f, "/p/IMG_1.CR2", {SidecarNaming::kBaseName}).value(),
      "/p/IMG_1.CR2.xmp");
  f.AddFile("/q/IMG_2.NEF", "raw");
  f.AddFile("/q/IMG_2.XMP", "upper case");
  EXPECT_EQ(SidecarPathFor(f, "/q/IMG_2.NEF").value(), "/q/IMG_2.XMP");
}

// A sidecar name linked elsewhere (issue #11: a.jpg.xmp ->
// ../outside/x.conf), or a FIFO, is refused with its reason: neither
// followed nor skipped for another name.
TEST(SidecarPathFor, ALinkedOrSpecialSidecarIsRefusedNotFollowed) {
  FakeFileSystem f;
  f.AddFile("/outside/x.conf", "secret");
  f.AddFile("/p/a.jpg", "jpeg");
  f.AddSymlink("/p/a.jpg.xmp", "/outside/x.conf");
  auto full = SidecarPathFor(f, "/p/a.jpg");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(full.error().path(), "/p/a.jpg.xmp");
  EXPECT_THAT(full.error().message(), HasSubstr("symbolic link"));
  // Lightroom's name, linked: refused too, even for the full-name naming.
  f.AddFile("/q/a.jpg", "jpeg");
  f.AddSymlink("/q/a.xmp", "/outside/x.conf");
  auto base = SidecarPathFor(f, "/q/a.jpg");
  ASSERT_FALSE(base);
  EXPECT_EQ(base.error().path(), "/q/a.xmp");
  f.AddFile("/r/a.jpg", "jpeg");
  f.AddFifo("/r/a.jpg.xmp");
  auto fifo = SidecarPathFor(f, "/r/a.jpg");
  ASSERT_FALSE(fifo);
  EXPECT_THAT(fifo.error().message(), HasSubstr("not a regular file"));
  EXPECT_EQ(FakeContent(f, "/outside/x.conf"), "secret");
}

// ---- WriteSidecarRating --------------------------------------------------

TEST(WriteSidecarRating, CreatesASidecarWithAnXpacketWrapper) {
  FakeFileSystem f;
  ASSERT_TRUE(WriteSidecarRating(f, "/p/IMG_1.CR2.xmp", 4));
  const std::string text = FakeContent(f, "/p/IMG_1.CR2.xmp");
  EXPECT_TRUE(
      text.starts_with("<?xpacket begin=\"\xEF\xBB\xBF\" "
                       "id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"))
      << text;
  EXPECT_TRUE(text.ends_with("<?xpacket end=\"w\"?>")) << text;
  EXPECT_EQ(SidecarRating(text), "4");
}

TEST(WriteSidecarRating, EveryRatingFromRejectedToFiveStars) {
  FakeFileSystem f;
  for (int rating = -1; rating <= 5; ++rating) {
    SCOPED_TRACE(rating);
    ASSERT_TRUE(WriteSidecarRating(f, "/p/a.xmp", rating));
    EXPECT_EQ(SidecarRating(FakeContent(f, "/p/a.xmp")),
              std::to_string(rating));
  }
}

TEST(WriteSidecarRating, OutOfRangeIsRefused) {
  FakeFileSystem f;
  for (int rating : {-2, 6, 100}) {
    auto s = WriteSidecarRating(f, "/p/a.xmp", rating);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(f.Stat("/p/a.xmp", os::Follow::kNo));
}

TEST(WriteSidecarRating, KeepsEveryOtherProperty) {
  TempDir dir;
  const std::string path = dir / "IMG_1.CR2.xmp";
  WriteFile(path, kRichSidecar);
  const nlohmann::json before =
      HaveExiftool() ? AllTags(path) : nlohmann::json();
  auto posix = os::NewPosixFileSystem();
  for (int rating : {5, -1, 0, 3}) {
    SCOPED_TRACE(rating);
    ASSERT_TRUE(WriteSidecarRating(*posix, path, rating));
    const std::string text = ReadFile(path);
    Exiv2::XmpData xmp = DecodeSidecar(text);
    EXPECT_EQ(xmp["Xmp.xmp.Rating"].toString(), std::to_string(rating));
    // Windows' percent, kept in step because the sidecar had one.
    EXPECT_EQ(xmp["Xmp.MicrosoftPhoto.Rating"].toString(),
              std::to_string(RatingPercent(rating)));
    EXPECT_EQ(xmp["Xmp.xmp.Label"].toString(), "Red");
    EXPECT_EQ(xmp["Xmp.my.Custom"].toString(), "keep me");
    if (!HaveExiftool()) continue;
    const nlohmann::json after = AllTags(path);
    EXPECT_EQ(after["XMP-xmp:Rating"], rating);
    EXPECT_EQ(after["XMP-microsoft:RatingPercent"], RatingPercent(rating));
    EXPECT_EQ(OtherTags(after), OtherTags(before));
  }
  if (!HaveExiftool()) GTEST_SKIP() << "exiftool not installed";
  // The comparison saw what matters.
  EXPECT_EQ(before.value("XMP-dc:Subject", nlohmann::json()),
            nlohmann::json({"alpha", "beta & gamma", "ünïcödé"}));
  EXPECT_EQ(before.value("XMP-dc:Title", ""), "A title");
  EXPECT_TRUE(before.contains("XMP-xmpMM:History")) << before.dump();
  EXPECT_TRUE(before.contains("XMP-darktable:History")) << before.dump();
}

TEST(WriteSidecarRating, UnparsableSidecarIsLeftUntouched) {
  FakeFileSystem f;
  const std::string broken =
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"nope";
  const std::string not_xmp = "<html><body>my notes</body></html>";
  const std::string binary = std::string("\x89PNG\r\n\x1a\n\0\0", 10);
  for (const std::string& content : {broken, not_xmp, binary}) {
    f.AddFile("/p/a.xmp", content);
    auto s = WriteSidecarRating(f, "/p/a.xmp", 3);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), ErrorCode::kContentFault) << s.error().ToString();
    EXPECT_EQ(FakeContent(f, "/p/a.xmp"), content);
  }
}

TEST(WriteSidecarRating, BothNamingConventions) {
  FakeFileSystem f;
  // darktable/digiKam style, created.
  f.AddFile("/p/IMG_1.CR2", "raw");
  const std::string dt = SidecarPathFor(f, "/p/IMG_1.CR2").value();
  ASSERT_TRUE(WriteSidecarRating(f, dt, 2));
  EXPECT_EQ(SidecarRating(FakeContent(f, "/p/IMG_1.CR2.xmp")), "2");
  // Lightroom style, existing: updated in place, nothing new created.
  f.AddFile("/q/IMG_2.NEF", "raw");
  f.AddFile("/q/IMG_2.xmp", kRichSidecar);
  const std::string lr = SidecarPathFor(f, "/q/IMG_2.NEF").value();
  ASSERT_EQ(lr, "/q/IMG_2.xmp");
  ASSERT_TRUE(WriteSidecarRating(f, lr, 5));
  const std::string text = FakeContent(f, "/q/IMG_2.xmp");
  EXPECT_EQ(SidecarRating(text), "5");
  EXPECT_EQ(DecodeSidecar(text)["Xmp.dc.subject"].count(), 3);
  EXPECT_EQ(f.ListDir("/q", os::Follow::kNo).value().size(), 2u);
  // Lightroom style, created.
  f.AddFile("/r/IMG_3.ARW", "raw");
  const std::string lr_new =
      SidecarPathFor(f, "/r/IMG_3.ARW", {SidecarNaming::kBaseName}).value();
  ASSERT_TRUE(WriteSidecarRating(f, lr_new, 1));
  EXPECT_EQ(SidecarRating(FakeContent(f, "/r/IMG_3.xmp")), "1");
}

TEST(WriteSidecarRating, ReadOnlyFolderIsPermissionDenied) {
  FakeFileSystem f;
  f.AddFile("/ro/a.xmp", kRichSidecar);
  f.DenyWrite("/ro");
  for (const char* path : {"/ro/a.xmp", "/ro/new.xmp"}) {
    auto s = WriteSidecarRating(f, path, 3);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), ErrorCode::kPermissionDenied);
  }
  EXPECT_EQ(FakeContent(f, "/ro/a.xmp"), kRichSidecar);
  EXPECT_EQ(f.ListDir("/ro", os::Follow::kNo).value().size(), 1u);
}

TEST(WriteSidecarRating, ReadOnlyRealFolderIsPermissionDenied) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms(0755));
  const std::string ro = dir / "ro";
  fs::create_directory(ro);
  WriteFile(ro + "/a.xmp", kRichSidecar);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown((ro + "/a.xmp").c_str(), 65534, 65534), 0);
  }
  fs::permissions(ro, fs::perms(0555));
  const int code = RunUnprivileged([&] {
    auto posix = os::NewPosixFileSystem();
    const int existing = CodeOf(WriteSidecarRating(*posix, ro + "/a.xmp", 3));
    const int fresh = CodeOf(WriteSidecarRating(*posix, ro + "/b.xmp", 3));
    return existing == fresh ? existing : 99;
  });
  if (code == 100) GTEST_SKIP() << "cannot drop root privileges here";
  EXPECT_EQ(code, static_cast<int>(ErrorCode::kPermissionDenied));
  EXPECT_EQ(ReadFile(ro + "/a.xmp"), kRichSidecar);
  EXPECT_EQ(OtherFiles(ro, "a.xmp"), std::vector<std::string>{});
}

TEST(WriteSidecarRating, FailedRenameLeavesTheOldSidecar) {
  FakeFileSystem f;
  f.AddFile("/p/a.xmp", kRichSidecar);
  f.FailRename("/p/a.xmp");
  ASSERT_FALSE(WriteSidecarRating(f, "/p/a.xmp", 3));
  EXPECT_EQ(FakeContent(f, "/p/a.xmp"), kRichSidecar);
}

// ---- EmbedRating -----------------------------------------------------------

// JPEGs with maker notes (Exiv2's own writer breaks Ricoh's and Sanyo's),
// IPTC, existing XMP; TIFFs; DNGs.
const char* const kEmbedFiles[] = {
    "exiftool/Canon.jpg",     "exiftool/Nikon.jpg",
    "exiftool/Ricoh2.jpg",    "exiftool/Sanyo.jpg",
    "exiftool/IPTC.jpg",      "exiv2/iptc-psAPP13-wIPTCbeg.jpg",
    "exiftool/Google.jpg",    "exiftool/ExifTool.tif",
    "exiv2/exiv2-bug922.tif", "exiftool/DNG.dng",
    "exiv2/IMG_1361.dng",
};

TEST(EmbedRating, ReadBackByExiv2AndExiftoolWithAllOtherTagsUnchanged) {
  auto posix = os::NewPosixFileSystem();
  for (const char* rel : kEmbedFiles) {
    SCOPED_TRACE(rel);
    TempDir dir;
    const std::string path = CopyFromCorpus(dir, rel);
    const nlohmann::json before =
        HaveExiftool() ? OtherTags(AllTags(path)) : nlohmann::json();
    for (int rating : {3, 5}) {
      auto s = EmbedRating(*posix, path, rating);
      ASSERT_TRUE(s) << s.error().ToString();
      const Exiv2Ratings r = ReadWithExiv2(path);
      EXPECT_EQ(r.exif, std::to_string(rating));
      EXPECT_EQ(r.percent, std::to_string(RatingPercent(rating)));
      EXPECT_EQ(r.xmp, std::to_string(rating));
      if (!HaveExiftool()) continue;
      nlohmann::json all = AllTags(path);
      EXPECT_EQ(all["XMP-xmp:Rating"], rating);
      EXPECT_EQ(all["IFD0:Rating"], rating);
      EXPECT_EQ(all["IFD0:RatingPercent"], RatingPercent(rating));
      EXPECT_EQ(OtherTags(std::move(all)), before);
    }
    EXPECT_EQ(OtherFiles(dir.path(), fs::path(path).filename()),
              std::vector<std::string>{});
  }
  if (!HaveExiftool()) GTEST_SKIP() << "exiftool not installed";
}

TEST(EmbedRating, EveryRatingAsExiftoolReadsIt) {
  if (!HaveExiftool()) GTEST_SKIP() << "exiftool not installed";
  TempDir dir;
  const std::string path = CopyFromCorpus(dir, "exiftool/XMP.jpg");
  auto posix = os::NewPosixFileSystem();
  for (int rating = -1; rating <= 5; ++rating) {
    SCOPED_TRACE(rating);
    ASSERT_TRUE(EmbedRating(*posix, path, rating));
    const nlohmann::json j =
        Exiftool("-XMP:Rating -EXIF:Rating -EXIF:RatingPercent -G", path);
    EXPECT_EQ(j["XMP:Rating"], rating);  // -1: rejected, as Lightroom
    EXPECT_EQ(j["EXIF:Rating"], std::max(rating, 0));  // EXIF has no reject
    EXPECT_EQ(j["EXIF:RatingPercent"], RatingPercent(rating));
  }
  EXPECT_EQ(RatingPercent(1), 1);
  EXPECT_EQ(RatingPercent(2), 25);
  EXPECT_EQ(RatingPercent(4), 75);
  EXPECT_EQ(RatingPercent(5), 99);
}

TEST(EmbedRating, JpegImageDataStaysByteIdentical) {
  auto posix = os::NewPosixFileSystem();
  // A 4032x3024 phone picture (3.5 MB: the tail is streamed) and a stub.
  for (const char* rel : {"exiv2/exiv2-bug2565.jpg", "exiftool/Canon.jpg"}) {
    SCOPED_TRACE(rel);
    TempDir dir;
    const std::string path = CopyFromCorpus(dir, rel);
    const std::string before = ReadFile(path);
    ASSERT_TRUE(EmbedRating(*posix, path, 4));
    const std::string after = ReadFile(path);
    const size_t b = ImageDataOffset(before), a = ImageDataOffset(after);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(a, std::string::npos);
    EXPECT_GT(a, b);  // XMP was added
    EXPECT_TRUE(before.substr(b) == after.substr(a));
  }
}

TEST(EmbedRating, LaterEditsAreInPlaceAndNoOpsWriteNothing) {
  auto posix = os::NewPosixFileSystem();
  for (const char* rel : {"exiftool/Canon.jpg", "exiftool/ExifTool.tif"}) {
    SCOPED_TRACE(rel);
    TempDir dir;
    const std::string path = CopyFromCorpus(dir, rel);
    ASSERT_TRUE(EmbedRating(*posix, path, 2));
    const auto size = fs::file_size(path);
    ASSERT_TRUE(EmbedRating(*posix, path, -1));
    EXPECT_EQ(fs::file_size(path), size);  // within the XMP padding
    const FileStat st = posix->Stat(path, os::Follow::kNo).value();
    ASSERT_TRUE(EmbedRating(*posix, path, -1));
    EXPECT_EQ(posix->Stat(path, os::Follow::kNo).value().ino, st.ino);
  }
}

TEST(EmbedRating, KeepsThePermissionBits) {
  TempDir dir;
  const std::string path = CopyFromCorpus(dir, "exiftool/Canon.jpg");
  fs::permissions(path, fs::perms(0640));
  auto posix = os::NewPosixFileSystem();
  ASSERT_TRUE(EmbedRating(*posix, path, 1));
  EXPECT_EQ(fs::status(path).permissions(), fs::perms(0640));
}

TEST(EmbedRating, OtherFormatsAreUnsupported) {
  TempDir dir;
  auto posix = os::NewPosixFileSystem();
  const std::string png = CopyFromCorpus(dir, "exiftool/PNG.png");
  const std::string cr2 = CopyFromCorpus(dir, "exiftool/CanonRaw.cr2");
  const std::string fake_jpg =
      CopyFromCorpus(dir, "exiftool/PNG.png", "really_png.jpg");
  for (const std::string& path : {png, cr2, fake_jpg}) {
    SCOPED_TRACE(path);
    const std::string before = ReadFile(path);
    auto s = EmbedRating(*posix, path, 3);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), ErrorCode::kUnsupported);
    EXPECT_FALSE(s.error().message().empty());
    EXPECT_EQ(ReadFile(path), before);
  }
  EXPECT_EQ(OtherFiles(dir.path(), "").size(), 3u);
}

TEST(EmbedRating, MetadataThatCannotBeReadBackIsNotTouched) {
  auto posix = os::NewPosixFileSystem();
  // Malformed XMP (Exiv2 drops it: rewriting would lose it); two XMP
  // packets (exiftool and Exiv2 read different ones); a damaged IFD1 whose
  // entry overlaps the TIFF header (the read-back check sees it change).
  for (const char* rel : {"exiv2/ReaganLargeJpg.jpg", "exiv2/exiv2-bug1229.jpg",
                          "exiv2/exiv2-bug495.jpg"}) {
    SCOPED_TRACE(rel);
    TempDir dir;
    const std::string path = CopyFromCorpus(dir, rel);
    const std::string before = ReadFile(path);
    auto s = EmbedRating(*posix, path, 3);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().code(), ErrorCode::kOk);
    EXPECT_EQ(ReadFile(path), before);
    EXPECT_EQ(OtherFiles(dir.path(), fs::path(path).filename()),
              std::vector<std::string>{});
  }
}

TEST(EmbedRating, ReadOnlyFolderIsPermissionDenied) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms(0755));
  const std::string ro = dir / "ro";
  fs::create_directory(ro);
  const std::string path =
      CopyFromCorpus(dir, "exiftool/Canon.jpg", "ro/Canon.jpg");
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  }
  fs::permissions(ro, fs::perms(0555));
  const std::string before = ReadFile(path);
  const int code = RunUnprivileged([&] {
    auto posix = os::NewPosixFileSystem();
    return CodeOf(EmbedRating(*posix, path, 3));
  });
  if (code == 100) GTEST_SKIP() << "cannot drop root privileges here";
  EXPECT_EQ(code, static_cast<int>(ErrorCode::kPermissionDenied));
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_EQ(OtherFiles(ro, "Canon.jpg"), std::vector<std::string>{});
}

TEST(EmbedRating, ReadOnlyFileIsPermissionDenied) {
  TempDir dir;
  const std::string path = CopyFromCorpus(dir, "exiftool/Canon.jpg");
  fs::permissions(path, fs::perms(0444));
  const std::string before = ReadFile(path);
  auto posix = os::NewPosixFileSystem();
  auto s = EmbedRating(*posix, path, 3);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ReadFile(path), before);
}

// ---- Atomicity -------------------------------------------------------------

constexpr os::WriteStep kSteps[] = {
    os::WriteStep::kCreateTemp, os::WriteStep::kSyncTemp,
    os::WriteStep::kRename, os::WriteStep::kSyncDir};

// What a successful write of `rating` into a fresh copy of `rel` gives.
std::string ExpectedAfterEmbed(const std::string& rel, int rating) {
  TempDir dir;
  const std::string path = CopyFromCorpus(dir, rel);
  auto posix = os::NewPosixFileSystem();
  EXPECT_TRUE(EmbedRating(*posix, path, rating));
  return ReadFile(path);
}

TEST(EmbedRating, InjectedFailureAtEachStepLeavesOriginalOrNewFile) {
  for (const char* rel : {"exiftool/Nikon.jpg", "exiftool/DNG.dng"}) {
    const std::string expected = ExpectedAfterEmbed(rel, 4);
    for (os::WriteStep step : kSteps) {
      SCOPED_TRACE(std::string(rel) + " step " +
                   std::to_string(static_cast<int>(step)));
      TempDir dir;
      const std::string path = CopyFromCorpus(dir, rel);
      const std::string before = ReadFile(path);
      auto faulty = os::NewPosixFileSystemForTesting(
          [step](os::WriteStep s, const std::string& p) -> Status {
            if (s != step) return {};
            return MakeError(ErrorCode::kIo, "injected", "write", p);
          });
      auto s = EmbedRating(*faulty, path, 4);
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().message(), "injected");
      // After the rename only the folder's fsync failed: the new file is
      // complete (and the caller is told it may not survive a power cut).
      EXPECT_TRUE(ReadFile(path) ==
                  (step == os::WriteStep::kSyncDir ? expected : before));
      EXPECT_EQ(OtherFiles(dir.path(), fs::path(path).filename()),
                std::vector<std::string>{});
    }
  }
}

TEST(EmbedRating, CrashAtEachStepLeavesOriginalOrNewFile) {
  const std::string rel = "exiftool/Nikon.jpg";
  const std::string expected = ExpectedAfterEmbed(rel, 4);
  for (os::WriteStep step : kSteps) {
    SCOPED_TRACE(static_cast<int>(step));
    TempDir dir;
    const std::string path = CopyFromCorpus(dir, rel);
    const std::string before = ReadFile(path);
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto crashing = os::NewPosixFileSystemForTesting(
          [step](os::WriteStep s, const std::string&) -> Status {
            if (s == step) ::_exit(42);  // the process dies here
            return {};
          });
      (void)EmbedRating(*crashing, path, 4);
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42);
    const std::string now = ReadFile(path);
    const bool renamed = step == os::WriteStep::kSyncDir;
    EXPECT_TRUE(now == (renamed ? expected : before));
    // A crash may leave a temp file beside it, never a broken original.
    for (const std::string& name :
         OtherFiles(dir.path(), fs::path(path).filename())) {
      EXPECT_TRUE(name.starts_with(".Nikon.jpg.phodex-tmp-")) << name;
    }
  }
}

// ---- os::FileSystem primitives -------------------------------------------

TEST(ReplaceFile, FailedEditLeavesOriginalAndNoTemp) {
  TempDir dir;
  const std::string path = dir / "a.bin";
  WriteFile(path, "original content");
  auto posix = os::NewPosixFileSystem();
  std::string temp_path;
  auto s = posix->ReplaceFile(path, [&](os::TempFile& t) -> Status {
    temp_path = t.path();
    EXPECT_EQ(os::DirName(t.path()), dir.path());
    PHODEX_TRY(t.WriteAt(0, "garbage"));
    return MakeError(ErrorCode::kIo, "edit failed");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "edit failed");
  EXPECT_EQ(ReadFile(path), "original content");
  EXPECT_FALSE(fs::exists(temp_path));
  EXPECT_EQ(OtherFiles(dir.path(), "a.bin"), std::vector<std::string>{});
}

TEST(ReplaceFile, EditsACopyAndKeepsTheMode) {
  TempDir dir;
  const std::string path = dir / "a.bin";
  WriteFile(path, "0123456789");
  fs::permissions(path, fs::perms(0604));
  auto posix = os::NewPosixFileSystem();
  const uint64_t ino = posix->Stat(path, os::Follow::kNo).value().ino;
  ASSERT_TRUE(posix->ReplaceFile(path, [&](os::TempFile& t) -> Status {
    EXPECT_EQ(t.Size().value(), 10);
    EXPECT_EQ(ReadFile(path), "0123456789");  // untouched meanwhile
    PHODEX_TRY(t.WriteAt(8, "ABCD"));
    return t.Truncate(11);
  }));
  EXPECT_EQ(ReadFile(path), "01234567ABC");
  EXPECT_EQ(fs::status(path).permissions(), fs::perms(0604));
  EXPECT_NE(posix->Stat(path, os::Follow::kNo).value().ino, ino);
}

TEST(ReplaceFile, AChangeByAnotherProgramIsNotOverwritten) {
  TempDir dir;
  const std::string path = dir / "a.bin";
  WriteFile(path, "v1");
  auto posix = os::NewPosixFileSystem();
  auto s = posix->ReplaceFile(path, [&](os::TempFile& t) -> Status {
    std::ofstream(path, std::ios::app) << " and more";  // someone else
    return t.WriteAt(0, "V");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kBusy);
  EXPECT_EQ(ReadFile(path), "v1 and more");
  EXPECT_EQ(OtherFiles(dir.path(), "a.bin"), std::vector<std::string>{});
}

// Writes never follow a link (tests/os/hostile_files_test.cc has the
// FileSystem side): a sidecar or photo linked to a file elsewhere is
// refused, and the file it points to keeps its bytes.
TEST(WriteSidecarRating, ASymlinkedSidecarIsRefusedAndItsTargetKept) {
  TempDir dir;
  fs::create_directory(dir / "outside");
  fs::create_directory(dir / "t");
  WriteFile(dir / "outside/x.conf", "secret = 1\n");
  fs::create_symlink("../outside/x.conf", dir / "t/a.jpg.xmp");
  auto posix = os::NewPosixFileSystem();
  auto st = WriteSidecarRating(*posix, dir / "t/a.jpg.xmp", 3);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().ToString(),
            "write rating '" + dir / "t/a.jpg.xmp" +
                "': is a symbolic link; phodex does not write through links");
  EXPECT_EQ(ReadFile(dir / "outside/x.conf"), "secret = 1\n");
  EXPECT_TRUE(fs::is_symlink(dir / "t/a.jpg.xmp"));

  const std::string jpg =
      CopyFromCorpus(dir, "exiftool/Canon.jpg", "outside/Canon.jpg");
  const std::string before = ReadFile(jpg);
  fs::create_symlink("../outside/Canon.jpg", dir / "t/Canon.jpg");
  auto embed = EmbedRating(*posix, dir / "t/Canon.jpg", 3);
  ASSERT_FALSE(embed);
  EXPECT_THAT(embed.error().message(), HasSubstr("symbolic link"));
  EXPECT_EQ(ReadFile(jpg), before);
}

TEST(AtomicWrite, KeepsTheModeOfAnExistingFile) {
  TempDir dir;
  auto posix = os::NewPosixFileSystem();
  ASSERT_TRUE(posix->AtomicWrite(dir / "new.txt", "a"));
  EXPECT_EQ(fs::status(dir / "new.txt").permissions(), fs::perms(0644));
  fs::permissions(dir / "new.txt", fs::perms(0600));
  ASSERT_TRUE(posix->AtomicWrite(dir / "new.txt", "b"));
  EXPECT_EQ(fs::status(dir / "new.txt").permissions(), fs::perms(0600));
  EXPECT_EQ(ReadFile(dir / "new.txt"), "b");
}

TEST(FakeFileSystem, ReplaceFileCommitsOrLeavesTheOriginal) {
  FakeFileSystem f;
  f.AddFile("/p/a", "abc");
  auto s = f.ReplaceFile("/p/a", [&](os::TempFile& t) -> Status {
    EXPECT_TRUE(f.Stat(t.path(), os::Follow::kNo));  // listed meanwhile
    PHODEX_TRY(t.WriteAt(0, "X"));
    return MakeError(ErrorCode::kIo, "no");
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(FakeContent(f, "/p/a"), "abc");
  EXPECT_EQ(f.ListDir("/p", os::Follow::kNo).value().size(), 1u);
  ASSERT_TRUE(
      f.ReplaceFile("/p/a", [](os::TempFile& t) { return t.WriteAt(3, "d"); }));
  EXPECT_EQ(FakeContent(f, "/p/a"), "abcd");
  f.FailRename("/p/a");
  EXPECT_FALSE(
      f.ReplaceFile("/p/a", [](os::TempFile& t) { return t.Truncate(0); }));
  EXPECT_EQ(FakeContent(f, "/p/a"), "abcd");
}

}  // namespace
// ---- Labels and picks (WriteSidecarChange, EmbedChange) -------------------

TEST(WriteSidecarChange, LabelAndPickAreSetAndRemovedAndTheRatingKept) {
  TempDir dir;
  const std::string path = dir / "IMG_1.CR2.xmp";
  WriteFile(path, kRichSidecar);
  auto posix = os::NewPosixFileSystem();
  ASSERT_TRUE(WriteSidecarRating(*posix, path, 4));
  ASSERT_TRUE(WriteSidecarChange(
      *posix, path, {.label = "Purple", .pick = Pick::kAccepted}));
  Exiv2::XmpData xmp = DecodeSidecar(ReadFile(path));
  EXPECT_EQ(xmp["Xmp.xmp.Rating"].toString(), "4");
  EXPECT_EQ(xmp["Xmp.xmp.Label"].toString(), "Purple");
  EXPECT_EQ(xmp["Xmp.digiKam.PickLabel"].toString(), "3");
  EXPECT_EQ(xmp["Xmp.my.Custom"].toString(), "keep me");
  if (HaveExiftool()) {
    const nlohmann::json j = Exiftool("-XMP:all", path);
    EXPECT_EQ(j["Label"], "Purple");
    EXPECT_EQ(j["PickLabel"], 3);
    EXPECT_EQ(j["Rating"], 4);
  }
  ASSERT_TRUE(WriteSidecarChange(
      *posix, path, {.rating = -1, .label = "", .pick = Pick::kNone}));
  xmp = DecodeSidecar(ReadFile(path));
  EXPECT_EQ(xmp["Xmp.xmp.Rating"].toString(), "-1");
  EXPECT_EQ(xmp.findKey(Exiv2::XmpKey("Xmp.xmp.Label")), xmp.end());
  EXPECT_EQ(xmp.findKey(Exiv2::XmpKey("Xmp.digiKam.PickLabel")), xmp.end());
  EXPECT_EQ(xmp["Xmp.my.Custom"].toString(), "keep me");
}

TEST(WriteSidecarChange, BadLabelsAndEmptyChangesAreRefused) {
  FakeFileSystem f;
  for (const char* label : {"red", "Orange", "None", " Red"}) {
    auto s = WriteSidecarChange(f, "/p/a.xmp", {.label = label});
    ASSERT_FALSE(s) << label;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  auto s = WriteSidecarChange(f, "/p/a.xmp", {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(f.Stat("/p/a.xmp", os::Follow::kNo));
  for (const char* label : {"Red", "Yellow", "Green", "Blue", "Purple"}) {
    EXPECT_TRUE(IsColorLabel(label)) << label;
  }
}

TEST(EmbedChange, ALabelGoesIntoTheXmpOnlyAndTheExifStaysAsItWas) {
  if (!HaveExiftool()) GTEST_SKIP() << "exiftool not installed";
  TempDir dir;
  // A JPEG with maker notes, a TIFF and a DNG.
  for (const char* rel :
       {"exiftool/Canon.jpg", "exiftool/ExifTool.tif", "exiftool/DNG.dng"}) {
    SCOPED_TRACE(rel);
    const std::string path = CopyFromCorpus(dir, rel);
    const nlohmann::json before = AllTags(path);
    auto posix = os::NewPosixFileSystem();
    ASSERT_TRUE(EmbedChange(*posix, path,
                            {.label = "Green", .pick = Pick::kRejected}));
    const nlohmann::json after = AllTags(path);
    EXPECT_EQ(after["XMP-xmp:Label"], "Green");
    EXPECT_EQ(after["XMP-digiKam:PickLabel"], 1);
    EXPECT_EQ(after.value("IFD0:Rating", nlohmann::json()),
              before.value("IFD0:Rating", nlohmann::json()));
    nlohmann::json others = OtherTags(after);
    others.erase("XMP-xmp:Label");
    others.erase("XMP-digiKam:PickLabel");
    EXPECT_EQ(others, OtherTags(before));
  }
}

}  // namespace phodex::media
