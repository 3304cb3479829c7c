// Account and certificate keys: ECDSA P-256, ECDSA P-384 and RSA.
//
// PublicKey and PrivateKey are cheap to copy (they share an immutable OpenSSL
// key) and safe to use from several threads at once. A default-constructed
// key is empty: its accessors return empty values and its operations fail.
// The OpenSSL types stay behind the opaque Impl (see key_impl.h, which only
// src/core/crypto/ includes).
#pragma once

#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace acmekit::crypto {

enum class KeyAlgorithm { kEcP256, kEcP384, kRsa };

// What PrivateKey::generate makes. rsa_bits applies to kRsa only.
struct KeySpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kEcP256;
  int rsa_bits = 2048;
};

class PublicKey {
 public:
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
  static Result<PublicKey> from_pem(std::string_view pem);
  // A public JWK (RFC 7517/7518 §6): kty "EC" with crv "P-256"/"P-384", or
  // kty "RSA". Private members, if present, are ignored. kInvalidArgument
  // for a JWK that is malformed or not a point on the curve.
  static Result<PublicKey> from_jwk(const nlohmann::json& jwk);

  // The public JWK, required members only (RFC 7638 §3.2):
  // EC {"crv","kty","x","y"} with x/y left-padded to the field size
  // (RFC 7518 §6.2.1.2); RSA {"e","kty","n"} without leading zero octets
  // (RFC 7518 §6.3.1). Empty object for an empty key.
  nlohmann::json to_jwk() const;
  std::string to_pem() const;    // SubjectPublicKeyInfo PEM
  std::string spki_der() const;  // SubjectPublicKeyInfo DER (an EC point uncompressed, RFC 5480 §2.2)
  KeyAlgorithm algorithm() const;
  int bits() const;                  // 256/384 for EC, modulus bits for RSA
  std::string description() const;  // "ECDSA P-256", "ECDSA P-384", "RSA 2048"
  // RSA: the public exponent e (nullopt when it does not fit 64 bits, or
  // for another key type).
  std::optional<std::uint64_t> rsa_public_exponent() const;

  // Verifies a JWS signature over data (RFC 7518 §3.3/§3.4): "ES256"/"ES384"
  // take raw R||S (64/96 bytes), "RS256" is RSASSA-PKCS1-v1_5 with SHA-256.
  // kCrypto if alg does not fit this key or the signature does not verify.
  Status verify_jws(std::string_view alg, std::string_view data, std::string_view signature) const;

  bool operator==(const PublicKey& other) const;  // same key: components and parameters (EVP_PKEY_eq)

  struct Impl;
  std::shared_ptr<Impl> impl_;  // opaque; null for an empty key
};

class PrivateKey {
 public:
  // A fresh key. RSA sizes 2048..8192 bits; otherwise kInvalidArgument.
  static Result<PrivateKey> generate(const KeySpec& spec);
  // Unencrypted PEM: PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS#1
  // "RSA PRIVATE KEY". Encrypted keys and other algorithms are errors.
  static Result<PrivateKey> from_pem(std::string_view pem);
  // A private JWK (RFC 7518 §6.2.2 / §6.3.2; RSA with its CRT members), as
  // certbot stores account keys. kInvalidArgument when malformed or when the
  // private part does not match the public one.
  static Result<PrivateKey> from_jwk(const nlohmann::json& jwk);

  std::string to_pem() const;  // PKCS#8 "PRIVATE KEY", unencrypted
  // The private JWK from_jwk reads (RSA with its CRT members): what certbot
  // writes to private_key.json. A secret: never log it.
  nlohmann::json to_jwk() const;
  PublicKey public_key() const;
  KeyAlgorithm algorithm() const;
  int bits() const;
  std::string jws_algorithm() const;  // "ES256" | "ES384" | "RS256" (RFC 7518 §3.1)

  // A JWS signature over data: ES256/ES384 as raw R||S, each half left-padded
  // to the curve size (RFC 7518 §3.4); RS256 as PKCS#1 v1.5 with SHA-256
  // (RFC 7518 §3.3).
  Result<std::string> sign_jws(std::string_view data) const;

  struct Impl;
  std::shared_ptr<Impl> impl_;  // opaque; null for an empty key
};

// For the CLI: key_type "ecdsa" or "rsa" (case-insensitive); curve
// "secp256r1"/"secp384r1" (also "P-256"/"P-384"/"prime256v1"; empty means
// P-256), used for ecdsa only; rsa_bits 2048..8192, used for rsa only.
Result<KeySpec> key_spec_from_names(std::string_view key_type, std::string_view curve, int rsa_bits);

}  // namespace acmekit::crypto
