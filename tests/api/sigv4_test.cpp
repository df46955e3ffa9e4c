// Signature Version 4 verification against the example AWS publishes in its signing documentation.
#include <gtest/gtest.h>

#include "api/sigv4.h"

namespace beetroot {
namespace {

// AWS's "Create a signed request" example: IAM ListUsers, signed on 2015-08-30T12:36:00Z.
SignedRequest aws_documentation_example() {
  SignedRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}};
  return r;
}

const AccessKeys kKeys = {{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};

std::chrono::system_clock::time_point signed_at() {
  return std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30T12:36:00Z
}

TEST(SigV4, AcceptsAwsDocumentedSignature) {
  EXPECT_FALSE(verify_sigv4(aws_documentation_example(), kKeys, signed_at() + std::chrono::minutes(14), "iam"));
}

TEST(SigV4, RefusesEachKindOfBadRequest) {
  auto type_of = [](const SignedRequest& r, std::chrono::system_clock::time_point now, const std::string& service) {
    const auto failure = verify_sigv4(r, kKeys, now, service);
    return failure ? failure->type : std::string("accepted");
  };
  auto changed = aws_documentation_example();
  changed.query[0].second = "2010-05-09";
  EXPECT_EQ(type_of(changed, signed_at(), "iam"), "InvalidSignatureException");
  auto body = aws_documentation_example();
  body.body = "x";
  EXPECT_EQ(type_of(body, signed_at(), "iam"), "InvalidSignatureException");
  EXPECT_EQ(type_of(aws_documentation_example(), signed_at() + std::chrono::minutes(16), "iam"),
            "InvalidSignatureException");
  EXPECT_EQ(type_of(aws_documentation_example(), signed_at(), "rekognition"), "IncompleteSignatureException");
  EXPECT_EQ(type_of(aws_documentation_example(), signed_at(), ""), "accepted");
  auto unknown = aws_documentation_example();
  unknown.headers.find("Authorization")->second.replace(28, 11, "AKIDUNKNOWN");
  EXPECT_EQ(type_of(unknown, signed_at(), "iam"), "UnrecognizedClientException");
  auto unsigned_request = aws_documentation_example();
  unsigned_request.headers.erase("Authorization");
  EXPECT_EQ(type_of(unsigned_request, signed_at(), "iam"), "MissingAuthenticationTokenException");
  auto far_future = aws_documentation_example();  // found by fuzz/sigv4_fuzzer.cpp: overflowed the clock
  far_future.headers.find("X-Amz-Date")->second = "24150830T123600Z";
  EXPECT_EQ(type_of(far_future, signed_at(), "iam"), "IncompleteSignatureException");
  auto malformed = aws_documentation_example();
  malformed.headers.find("Authorization")->second = "AWS4-HMAC-SHA256 Signature=abc";
  EXPECT_EQ(type_of(malformed, signed_at(), "iam"), "IncompleteSignatureException");
}

TEST(SigV4, WhatBeetrootSignsItVerifies) {
  SignedRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "127.0.0.1:8080"}, {"X-Amz-Target", "RekognitionService.ListCollections"}};
  r.body = "{}";
  const auto now = std::chrono::system_clock::now();
  sign_sigv4(r, "AKIDEXAMPLE", kKeys.at("AKIDEXAMPLE"), "eu-west-1", "rekognition", now);
  EXPECT_FALSE(verify_sigv4(r, kKeys, now, "rekognition"));
  r.headers.find("X-Amz-Target")->second = "RekognitionService.DeleteCollection";
  EXPECT_TRUE(verify_sigv4(r, kKeys, now, "rekognition"));
}

// A header the server acts on, left out of SignedHeaders, could be changed after signing: the
// target turning a read into a delete. And the body must be signed.
TEST(SigV4, HeadersTheServerActsOnAndTheBodyMustBeSigned) {
  const auto now = std::chrono::system_clock::now();
  SignedRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/x-amz-json-1.1"}};
  r.body = "{}";
  sign_sigv4(r, "AKIDEXAMPLE", kKeys.at("AKIDEXAMPLE"), "eu-west-1", "rekognition", now);
  ASSERT_FALSE(verify_sigv4(r, kKeys, now, "rekognition"));
  auto target_added = r;
  target_added.headers.emplace("X-Amz-Target", "RekognitionService.DeleteCollection");
  const auto failure = verify_sigv4(target_added, kKeys, now, "rekognition");
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->type, "IncompleteSignatureException");
  EXPECT_NE(failure->message.find("x-amz-target"), std::string::npos) << failure->message;

  SignedRequest unsigned_body = r;
  unsigned_body.headers = {{"Host", "127.0.0.1:8080"}, {"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}};
  sign_sigv4(unsigned_body, "AKIDEXAMPLE", kKeys.at("AKIDEXAMPLE"), "eu-west-1", "rekognition", now);
  const auto refused = verify_sigv4(unsigned_body, kKeys, now, "rekognition");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("UNSIGNED-PAYLOAD"), std::string::npos) << refused->message;
}

}  // namespace
}  // namespace beetroot
