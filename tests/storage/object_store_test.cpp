// Object stores: the local folder and a real S3 server (path-style and virtual-hosted addressing)
// behave the same; what beetroot writes to S3, the AWS CLI reads, and the other way round. The
// S3 client's signing and retries are checked against beetroot's own SigV4 verifier.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <random>

#include "api/sigv4.h"
#include "backends.h"
#include "base/error.h"
#include "storage/local/local_object_store.h"
#include "storage/s3/s3_object_store.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

std::string s3_endpoint() { return test::env_or_empty("BEETROOT_TEST_S3_ENDPOINT"); }

// The AWS CLI against the test server, with its credentials.
test::CommandResult aws(const std::string& args) {
  return test::run_command("AWS_ACCESS_KEY_ID=" + test::env_or_empty("BEETROOT_TEST_S3_KEY") +
                           " AWS_SECRET_ACCESS_KEY=" + test::env_or_empty("BEETROOT_TEST_S3_SECRET") +
                           " aws --region us-east-1 --endpoint-url " + s3_endpoint() + " " + args);
}

S3Options test_s3_options(bool virtual_hosted) {
  S3Options o;
  o.endpoint = s3_endpoint();
  if (virtual_hosted) {
    // <bucket>.s3.localhost: curl resolves *.localhost to loopback by itself.
    const auto port = o.endpoint.substr(o.endpoint.rfind(':'));
    o.endpoint = "http://s3.localhost" + port;
  }
  o.virtual_hosted = virtual_hosted;
  o.access_key = test::env_or_empty("BEETROOT_TEST_S3_KEY");
  o.secret_key = test::env_or_empty("BEETROOT_TEST_S3_SECRET");
  return o;
}

class ObjectStoreOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    bucket_ = "beetroot-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    if (GetParam() == "local") {
      root_ = fs::temp_directory_path() / bucket_;
      store_ = std::make_unique<LocalObjectStore>(root_);
      return;
    }
    if (s3_endpoint().empty()) GTEST_SKIP() << "BEETROOT_TEST_S3_ENDPOINT is not set (scripts/test-servers.sh starts a server)";
    ASSERT_EQ(aws("s3 mb s3://" + bucket_).status, 0);
    store_ = std::make_unique<S3ObjectStore>(test_s3_options(GetParam() == "s3-virtual-hosted"));
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
    if (store_ && GetParam() != "local") aws("s3 rb --force s3://" + bucket_);
  }
  bool on_s3() const { return GetParam() != "local"; }

  std::string bucket_;
  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};
INSTANTIATE_TEST_SUITE_P(Stores, ObjectStoreOn, ::testing::Values("local", "s3-path-style", "s3-virtual-hosted"));

TEST_P(ObjectStoreOn, StoresReplacesListsAndRemovesObjectsWithAnyKey) {
  const std::string odd = "photos-raw/summer trip/ünï+cödé 100%~(1)&=.jpg", binary("\0bin\xff\r\n", 7);
  store_->put(bucket_, odd, "one");
  store_->put(bucket_, odd, binary);  // replaced whole
  store_->put(bucket_, "faces-thumbs/p1/x_face_1.jpg", "thumb");
  EXPECT_EQ(store_->get(bucket_, odd), binary);
  EXPECT_TRUE(store_->exists(bucket_, odd));
  EXPECT_FALSE(store_->exists(bucket_, "photos-raw/missing.jpg"));
  EXPECT_FALSE(store_->get(bucket_, "photos-raw/missing.jpg"));
  EXPECT_EQ(store_->list(bucket_, "photos-raw/"), std::vector<std::string>{odd});
  EXPECT_EQ(store_->list(bucket_, "photos-raw/summer trip/ü").size(), 1u);
  EXPECT_EQ(store_->list(bucket_, "").size(), 2u);
  store_->remove(bucket_, odd);
  store_->remove(bucket_, odd);  // removing what is gone is not an error
  EXPECT_FALSE(store_->exists(bucket_, odd));
  EXPECT_EQ(store_->list(bucket_, ""), std::vector<std::string>{"faces-thumbs/p1/x_face_1.jpg"});
  EXPECT_THROW(store_->put(bucket_, "../escape", "x"), Error);
  EXPECT_THROW(store_->get("Not_A_Bucket", "k"), Error);
}

TEST_P(ObjectStoreOn, ListingsPageThroughMoreKeysThanOnePage) {
  constexpr int kKeys = 23;
  if (on_s3()) {
    S3Options paged = test_s3_options(GetParam() == "s3-virtual-hosted");
    paged.list_page_size = 5;
    store_ = std::make_unique<S3ObjectStore>(paged);
  }
  for (int i = 0; i < kKeys; ++i) store_->put(bucket_, "many/" + std::to_string(i), "x");
  store_->put(bucket_, "other/1", "x");
  const auto keys = store_->list(bucket_, "many/");
  EXPECT_EQ(keys.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), static_cast<size_t>(kKeys));
}

TEST_P(ObjectStoreOn, LargeFilesStreamInAndComeBackWhole) {
  const fs::path file = fs::temp_directory_path() / (bucket_ + ".bin");
  std::string bytes(24 << 20, '\0');
  std::mt19937 rng(5);
  for (auto& b : bytes) b = static_cast<char>(rng());
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  store_->put_file(bucket_, "photos-raw/large.raw", file);
  fs::remove(file);
  const auto back = store_->get(bucket_, "photos-raw/large.raw");
  ASSERT_TRUE(back);
  EXPECT_TRUE(*back == bytes);
}

TEST_P(ObjectStoreOn, WhatBeetrootWritesTheAwsCliReadsAndTheOtherWayRound) {
  if (!on_s3()) GTEST_SKIP() << "the AWS CLI speaks to S3 only";
  const std::string key = "faces-thumbs/person 1/ü+photo_face_1.jpg";
  store_->put(bucket_, key, "written by beetroot");
  const auto read = aws("s3 cp 's3://" + bucket_ + "/" + key + "' -");
  EXPECT_EQ(read.status, 0);
  EXPECT_EQ(read.out, "written by beetroot");
  const fs::path file = fs::temp_directory_path() / (bucket_ + ".txt");
  std::ofstream(file) << "written by the AWS CLI";
  ASSERT_EQ(aws("s3 cp " + file.string() + " 's3://" + bucket_ + "/photos-raw/from cli+ü.jpg'").status, 0);
  fs::remove(file);
  EXPECT_EQ(store_->get(bucket_, "photos-raw/from cli+ü.jpg"), "written by the AWS CLI");
  const auto listed = aws("s3api list-objects-v2 --bucket " + bucket_ + " --query 'length(Contents)'");
  EXPECT_EQ(listed.out, "2\n");
}

TEST(S3ObjectStore, AMissingBucketOrServerIsAnErrorThatSaysSo) {
  if (s3_endpoint().empty()) GTEST_SKIP() << "BEETROOT_TEST_S3_ENDPOINT is not set";
  S3ObjectStore store(test_s3_options(false));
  try {
    store.put("no-such-bucket-here", "k", "x");
    ADD_FAILURE() << "stored into a missing bucket";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchBucket"), std::string::npos) << e.what();
  }
  S3Options unreachable = test_s3_options(false);
  unreachable.endpoint = "http://127.0.0.1:1";
  unreachable.max_attempts = 2;
  unreachable.first_backoff = std::chrono::milliseconds(1);
  try {
    S3ObjectStore(unreachable).get("bucket", "k");
    ADD_FAILURE() << "read from nowhere";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

// A server that throttles the first requests, then accepts, and keeps what it was sent.
class ThrottlingServer {
 public:
  explicit ThrottlingServer(int throttled) : throttled_(throttled) {
    server_.Put(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      SignedRequest s{req.method, req.path, {}, {req.headers.begin(), req.headers.end()}, req.body};
      for (const auto& [name, value] : req.params) s.query.push_back({name, value});
      received_.push_back(s);
      if (static_cast<int>(received_.size()) <= throttled_) {
        res.status = 503;
        res.set_content("<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
                        "application/xml");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ThrottlingServer() {
    server_.stop();
    thread_.join();
  }
  S3Options options() const {
    S3Options o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    o.access_key = "AKIDEXAMPLE";
    o.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    o.first_backoff = std::chrono::milliseconds(1);
    return o;
  }
  std::vector<SignedRequest> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  int throttled_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<SignedRequest> received_;
};

TEST(S3ObjectStore, RetriesThrottlingWithSignedRequestsThatVerify) {
  ThrottlingServer server(2);
  const S3Options options = server.options();
  S3ObjectStore(options).put("photos", "photos-raw/a b+ü.jpg", "jpeg bytes");
  const auto received = server.received();
  ASSERT_EQ(received.size(), 3u);  // two throttled, then stored
  EXPECT_EQ(received.back().path, "/photos/photos-raw/a b+ü.jpg");
  EXPECT_EQ(received.back().body, "jpeg bytes");
  const AccessKeys keys{{options.access_key, options.secret_key}};
  for (const auto& r : received) {
    const auto failure = verify_sigv4(r, keys, std::chrono::system_clock::now(), "s3");
    EXPECT_FALSE(failure) << failure->message;
  }
  // The verifier is not lenient: a changed body no longer verifies.
  SignedRequest tampered = received.back();
  tampered.body = "other bytes";
  EXPECT_TRUE(verify_sigv4(tampered, keys, std::chrono::system_clock::now(), "s3"));
}

TEST(S3ObjectStore, GivesUpAfterItsAttemptsWithTheServersReason) {
  ThrottlingServer server(100);
  S3Options options = server.options();
  options.max_attempts = 3;
  try {
    S3ObjectStore(options).put("photos", "k.jpg", "x");
    ADD_FAILURE() << "stored while throttled";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SlowDown"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.received().size(), 3u);
}

}  // namespace
}  // namespace beetroot
