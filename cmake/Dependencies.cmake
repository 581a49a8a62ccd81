# Every external dependency, each with the Debian 12 package that provides it.
# scripts/setup.sh installs exactly these. Nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)                  # pkg-config

pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)   # libsqlite3-dev
find_package(fmt REQUIRED)                        # libfmt-dev
find_package(spdlog REQUIRED)                     # libspdlog-dev
find_package(CLI11 REQUIRED)                      # libcli11-dev
find_package(nlohmann_json REQUIRED)              # nlohmann-json3-dev
find_package(TBB REQUIRED)                        # libtbb-dev
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)  # libtomlplusplus-dev
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)  # libxxhash-dev
find_package(OpenSSL REQUIRED)                    # libssl-dev
pkg_check_modules(EXIV2 REQUIRED IMPORTED_TARGET exiv2)       # libexiv2-dev
pkg_check_modules(LIBHEIF REQUIRED IMPORTED_TARGET libheif)   # libheif-dev
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil)  # libavformat-dev libavcodec-dev libavutil-dev
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips)         # libvips-dev
pkg_check_modules(LIBRAW REQUIRED IMPORTED_TARGET libraw_r)   # libraw-dev
# libraw_r.pc links with -fopenmp (LibRaw is built against GCC's libgomp);
# Clang's -fopenmp means LLVM's libomp, which Debian's libraw does not use.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  get_target_property(_libraw_link PkgConfig::LIBRAW INTERFACE_LINK_OPTIONS)
  if(_libraw_link)
    list(TRANSFORM _libraw_link REPLACE "^-fopenmp$" "-fopenmp=libgomp")
    set_target_properties(PkgConfig::LIBRAW PROPERTIES
                          INTERFACE_LINK_OPTIONS "${_libraw_link}")
  endif()
endif()
pkg_check_modules(SWSCALE REQUIRED IMPORTED_TARGET libswscale)  # libswscale-dev
# Boost.Beast and Asio (header-only; only src/server sees them).
find_package(Boost 1.81 REQUIRED)                 # libboost1.81-dev
find_package(Threads REQUIRED)

if(PHODEX_BUILD_TESTS)
  find_package(GTest REQUIRED)                    # libgtest-dev, libgmock-dev
endif()
