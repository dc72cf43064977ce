// SPDX-License-Identifier: MIT
#include "support/test_certificates.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <system_error>

namespace corio_test {

namespace {

[[noreturn]] void fail(const std::string& what) {
    const unsigned long code = ERR_get_error();
    char reason[256] = {};
    ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error("test certificates: " + what + ": " + reason);
}

struct key_deleter {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct x509_deleter {
    void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct bio_deleter {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, key_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

key_ptr new_key() {
    key_ptr key{EVP_EC_gen("P-256")};
    if (!key) {
        fail("EVP_EC_gen");
    }
    return key;
}

std::string read_all(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return {data, static_cast<std::size_t>(size)};
}

std::string certificate_pem(X509* certificate) {
    const bio_ptr out{BIO_new(BIO_s_mem())};
    if (!out || PEM_write_bio_X509(out.get(), certificate) != 1) {
        fail("PEM_write_bio_X509");
    }
    return read_all(out.get());
}

std::string key_pem(EVP_PKEY* key) {
    const bio_ptr out{BIO_new(BIO_s_mem())};
    if (!out ||
        PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("PEM_write_bio_PrivateKey");
    }
    return read_all(out.get());
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr || X509_add_ext(certificate, extension, -1) != 1) {
        fail("extension " + value);
    }
    X509_EXTENSION_free(extension);
}

// An unsigned certificate for `subject_key`, to be issued by `issuer` (self-issued when null).
x509_ptr make_certificate(const std::string& common_name, EVP_PKEY* subject_key, X509* issuer,
                          std::chrono::seconds from, std::chrono::seconds until) {
    x509_ptr certificate{X509_new()};
    if (!certificate) {
        fail("X509_new");
    }
    X509* cert = certificate.get();
    X509_set_version(cert, X509_VERSION_3);
    // Serial numbers must differ between certificates of one issuer.
    static std::atomic<long> serial{0};
    static const long base = std::random_device{}() & 0xffffff;
    ASN1_INTEGER_set(X509_get_serialNumber(cert), base * 1000 + ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(from.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(until.count()));
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    if (X509_set_pubkey(cert, subject_key) != 1) {
        fail("X509_set_pubkey");
    }
    X509* signer = issuer != nullptr ? issuer : cert;
    add_extension(cert, signer, NID_subject_key_identifier, "hash");
    add_extension(cert, signer, NID_authority_key_identifier, "keyid:always");
    if (issuer == nullptr) {
        add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert, signer, NID_key_usage, "critical,digitalSignature");
        add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
    }
    return certificate;
}

void sign(X509* certificate, EVP_PKEY* key) {
    if (X509_sign(certificate, key, EVP_sha256()) == 0) {
        fail("X509_sign");
    }
}

} // namespace

std::string encrypted_key(const std::string& key_pem, const std::string& pass_phrase) {
    const bio_ptr in{BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()))};
    const key_ptr key{PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr)};
    const bio_ptr out{BIO_new(BIO_s_mem())};
    if (!key || !out ||
        PEM_write_bio_PrivateKey(out.get(), key.get(), EVP_aes_128_cbc(),
                                 reinterpret_cast<const unsigned char*>(pass_phrase.data()),
                                 static_cast<int>(pass_phrase.size()), nullptr, nullptr) != 1) {
        fail("PEM_write_bio_PrivateKey (encrypted)");
    }
    return read_all(out.get());
}

std::string subject_hash(const std::string& certificate_pem) {
    const bio_ptr in{
        BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()))};
    const x509_ptr certificate{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)};
    if (!certificate) {
        fail("PEM_read_bio_X509");
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08lx", X509_subject_name_hash(certificate.get()));
    return hex;
}

// ---- scratch_directory ----

scratch_directory::scratch_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "corio-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = pattern;
}

scratch_directory::~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path scratch_directory::write(const std::string& name,
                                               const std::string& contents) const {
    std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out << contents;
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + file.string());
    }
    return file;
}

// ---- test_authority ----

struct test_authority::keys {
    key_ptr key;
    x509_ptr certificate;
};

test_authority::test_authority(const std::string& name)
    : keys_(new keys{new_key(), nullptr}) {
    keys_->certificate = make_certificate(name, keys_->key.get(), nullptr, std::chrono::hours(-1),
                                          std::chrono::hours(24));
    sign(keys_->certificate.get(), keys_->key.get());
    certificate_pem_ = certificate_pem(keys_->certificate.get());
}

test_authority::~test_authority() {
    delete keys_;
}

pem_credentials test_authority::issue(const certificate_request& request) const {
    const key_ptr key = new_key();
    const x509_ptr certificate =
        make_certificate(request.common_name, key.get(), keys_->certificate.get(),
                         request.valid_from, request.valid_until);
    std::string alternative_names;
    for (const std::string& dns : request.dns_names) {
        alternative_names += (alternative_names.empty() ? "DNS:" : ",DNS:") + dns;
    }
    for (const std::string& ip : request.ip_addresses) {
        alternative_names += (alternative_names.empty() ? "IP:" : ",IP:") + ip;
    }
    if (!alternative_names.empty()) {
        add_extension(certificate.get(), keys_->certificate.get(), NID_subject_alt_name,
                      alternative_names);
    }
    sign(certificate.get(), keys_->key.get());
    return {certificate_pem(certificate.get()) + certificate_pem_, key_pem(key.get())};
}

pem_credentials test_authority::localhost() const {
    certificate_request request;
    request.common_name = "localhost";
    request.dns_names = {"localhost"};
    request.ip_addresses = {"127.0.0.1", "::1"};
    return issue(request);
}

pem_credentials test_authority::expired_localhost() const {
    certificate_request request;
    request.common_name = "localhost";
    request.dns_names = {"localhost"};
    request.ip_addresses = {"127.0.0.1", "::1"};
    request.valid_from = std::chrono::hours(-48);
    request.valid_until = std::chrono::hours(-24);
    return issue(request);
}

pem_credentials test_authority::other_host() const {
    certificate_request request;
    request.common_name = "www.example.com";
    request.dns_names = {"www.example.com"};
    return issue(request);
}

} // namespace corio_test
