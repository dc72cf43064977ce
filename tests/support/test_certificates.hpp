// SPDX-License-Identifier: MIT
// test_certificates.hpp - a certificate authority made at test time, and the certificates TLS
// tests need from it: a valid one for localhost, an expired one, one for another host.
//
// Nothing is checked in: every run makes fresh keys (ECDSA P-256, fast to generate) with
// OpenSSL's API, so no certificate in the repository can expire and break the build. A test
// that needs files (nginx, corio-get --cacert) writes them into a scratch_directory.
// Thread-safety: plain values once made.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace corio_test {

// A fresh directory under the system's temporary directory, removed with everything in it on
// destruction.
class scratch_directory {
public:
    scratch_directory();
    ~scratch_directory();
    scratch_directory(const scratch_directory&) = delete;
    scratch_directory& operator=(const scratch_directory&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    // Writes `contents` to path()/name and returns the file's path.
    std::filesystem::path write(const std::string& name, const std::string& contents) const;

private:
    std::filesystem::path path_;
};

// A certificate and its private key, both PEM.
struct pem_credentials {
    std::string certificate_chain; // the leaf, then the CA that issued it
    std::string private_key;
};

struct certificate_request {
    std::string common_name = "corio test server";
    std::vector<std::string> dns_names;    // subjectAltName DNS entries
    std::vector<std::string> ip_addresses; // subjectAltName IP entries ("127.0.0.1", "::1")
    // Validity relative to now; a window in the past makes an expired certificate.
    std::chrono::seconds valid_from{-3600};
    std::chrono::seconds valid_until{24 * 3600};
};

// `key_pem` encrypted with `pass_phrase` (AES-128-CBC), as `openssl pkey -aes128` writes it.
[[nodiscard]] std::string encrypted_key(const std::string& key_pem, const std::string& pass_phrase);

// The hash OpenSSL names a CA file after in a CA directory ("<hash>.0"), as `openssl rehash` does.
[[nodiscard]] std::string subject_hash(const std::string& certificate_pem);

class test_authority {
public:
    // A self-signed CA, valid from an hour ago for a day.
    explicit test_authority(const std::string& name = "corio test CA");
    ~test_authority();
    test_authority(const test_authority&) = delete;
    test_authority& operator=(const test_authority&) = delete;

    [[nodiscard]] const std::string& certificate() const noexcept { return certificate_pem_; }
    [[nodiscard]] pem_credentials issue(const certificate_request& request) const;

    // For localhost, 127.0.0.1 and ::1, valid now.
    [[nodiscard]] pem_credentials localhost() const;
    // For localhost, 127.0.0.1 and ::1, expired yesterday.
    [[nodiscard]] pem_credentials expired_localhost() const;
    // Valid now, but for www.example.com only.
    [[nodiscard]] pem_credentials other_host() const;

private:
    struct keys;
    keys* keys_;
    std::string certificate_pem_;
};

} // namespace corio_test
