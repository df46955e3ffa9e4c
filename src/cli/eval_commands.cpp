#include <cstdio>
#include <functional>
#include <memory>
#include <set>

#include "base/error.h"
#include "cli/common.h"
#include "collection/similarity.h"
#include "eval/answers.h"
#include "eval/grouping.h"
#include "eval/lfw.h"

namespace beetroot::cli {
namespace {

struct EvalArgs {
  std::string data = "../shared/data/lfw";
  std::string models;
  std::string alignment = "rotation";
  std::string cache;
  bool mirror = true;
  int recognition_bits = 8;
  bool single_pass = false;
  bool calibrate = false;
  bool compare = false;
  int workers = 2;
};

// FACE_MATCH_THRESHOLD against error rates over all pairs of all LFW photos.
void print_calibration(FaceEngine& engine, const EvalArgs& args) {
  const auto images = all_lfw_images(args.data);
  const auto descriptors = describe_images(engine, args.data, images, args.cache, args.workers);
  const PairDistances pairs(descriptors);
  size_t described = 0;
  for (const auto& image : images) described += descriptors.count(image) && descriptors.at(image);
  std::printf("\ncalibration over all LFW photos: %zu of %zu with a face, %zu same-person pairs, %zu different-person pairs\n",
              described, images.size(), pairs.genuine_pairs(), pairs.impostor_pairs());
  std::printf("| FACE_MATCH_THRESHOLD | distance | false-match rate | false-non-match rate |\n| --- | --- | --- | --- |\n");
  for (float s : {99.f, 98.f, 97.f, 95.f, 90.f, 85.f, 80.f, 70.f, 50.f}) {
    const float d = distance_for_similarity(s);
    const ErrorRates e = pairs.at(d);
    std::printf("| %.0f | %.3f | %.2e | %.4f |\n", s, d, e.false_match_rate, e.false_non_match_rate);
  }
  for (double rate : {1e-3, 1e-4, 1e-5})
    std::printf("distance at false-match rate %.0e: %.4f\n", rate, pairs.distance_at_false_match_rate(rate));
  std::printf("different-person distances (linkage_distance): mean %.4f, correlation through a shared face %.4f\n",
              pairs.impostor_mean(), impostor_correlation(descriptors, 1000000, 1));
}

// Both alignments, with and without mirrored chips, from one detection per photo.
void compare_alignments(const EvalArgs& args, const std::vector<LfwPair>& pairs, const std::vector<std::string>& images) {
  std::vector<std::unique_ptr<FaceEngine>> engines;
  std::vector<FaceEngine*> describers;
  std::vector<std::filesystem::path> caches;
  for (const char* alignment : {"rotation", "faceapi"})
    for (bool mirror : {false, true}) {
      EngineOptions o;
      o.model_dir = model_dir(args.models);
      o.alignment = parse_alignment(alignment);
      o.mirror_average = mirror;
      if (args.single_pass) o.use_single_pass();
      engines.push_back(std::make_unique<FaceEngine>(o));
      describers.push_back(engines.back().get());
      caches.push_back(args.cache.empty() ? "" : args.cache + "." + alignment + (mirror ? ".mirror" : ""));
    }
  const auto maps = describe_images(describers, args.data, images, caches, args.workers);
  for (size_t k = 0; k < maps.size(); ++k) {
    const auto r = ten_fold_verification(pairs, maps[k]);
    std::printf("alignment=%-8s mirror=%-3s accuracy %.2f%% +- %.2f%%  threshold %.4f  pairs without a face %d\n",
                k < 2 ? "rotation" : "faceapi", k % 2 ? "yes" : "no", r.mean_accuracy * 100, r.stddev * 100,
                r.mean_threshold, r.pairs_without_face);
  }
}

void run_lfw(const EvalArgs& args) {
  const auto pairs = read_lfw_pairs(std::filesystem::path(args.data) / "pairs.txt");
  std::set<std::string> images;
  for (const auto& p : pairs) images.insert(p.a), images.insert(p.b);
  if (args.compare) return compare_alignments(args, pairs, {images.begin(), images.end()});
  EngineOptions o;
  o.model_dir = model_dir(args.models);
  o.alignment = parse_alignment(args.alignment);
  o.mirror_average = args.mirror;
  o.recognition_weight_bits = args.recognition_bits;
  if (args.single_pass) o.use_single_pass();
  FaceEngine engine(o);
  const auto descriptors = describe_images(engine, args.data, {images.begin(), images.end()}, args.cache, args.workers);
  int without_face = 0;
  for (const auto& [path, d] : descriptors) without_face += images.count(path) && !d;
  const auto r = ten_fold_verification(pairs, descriptors);
  std::printf(
      "LFW 10-fold (alignment=%s, mirror=%s, passes=%s, recognition weights %d-bit): accuracy %.2f%% +- %.2f%%, "
      "mean threshold %.4f\n",
      args.alignment.c_str(), args.mirror ? "yes" : "no", args.single_pass ? "single" : "multi", args.recognition_bits,
      r.mean_accuracy * 100, r.stddev * 100, r.mean_threshold);
  std::printf("images without a detected face: %d of %zu; pairs counted as errors for it: %d\n", without_face,
              images.size(), r.pairs_without_face);
  if (args.calibrate) print_calibration(engine, args);
}

// How the grouping measurements describe faces: as the app does, or as the options say.
EngineOptions describing(const EvalArgs& args) {
  EngineOptions o;
  o.model_dir = model_dir(args.models);
  o.alignment = parse_alignment(args.alignment);
  o.mirror_average = args.mirror;
  return o;
}

struct GroupingArgs {
  EvalArgs engine;
  std::vector<std::string> rules{"tutorial", "exemplars", "linkage"};
  std::vector<float> thresholds{95};
  std::vector<unsigned> seeds{1, 2, 3};
  bool recluster = false;
};

void print_score(const char* subset, const GroupingScore& s) {
  std::printf("  %-26s BCubed P %.4f R %.4f F1 %.4f  persons %zu for %zu people  split %.1f%%\n", subset, s.precision,
              s.recall, s.f1, s.persons, s.identities, 100 * s.split_share);
}

void run_grouping(const GroupingArgs& args) {
  FaceEngine engine(describing(args.engine));
  const auto descriptors =
      describe_images(engine, args.engine.data, all_lfw_images(args.engine.data), args.engine.cache, args.engine.workers);
  for (const auto& rule : args.rules)
    for (float threshold : args.thresholds)
      for (unsigned seed : args.seeds) {
        const auto r = evaluate_grouping(descriptors, parse_grouping_rule(rule), threshold, seed, args.recluster);
        std::printf("rule=%s FACE_MATCH_THRESHOLD=%g order seed=%u\n", rule.c_str(), threshold, seed);
        print_score("all photos", r.online.all);
        print_score("people with 2+ photos", r.online.repeated);
        if (!r.reclustered) continue;
        print_score("after recluster, all", r.reclustered->all);
        print_score("after recluster, 2+", r.reclustered->repeated);
      }
}

struct AnswersArgs {
  EvalArgs engine;
  float threshold = 95;
  size_t people = 40, strangers = 60;
  unsigned seed = 1;
  std::vector<size_t> checkpoints{0, 10, 25, 50, 100, 200, 500};
};

void print_curve(const char* title, const std::vector<AnswerPoint>& curve) {
  std::printf("%s\n  answers  clicks  BCubed P   R       F1      persons of 2+ faces\n", title);
  for (const auto& p : curve)
    std::printf("  %7zu  %6zu  %.4f  %.4f  %.4f  %zu\n", p.answers, p.clicks, p.score.precision, p.score.recall,
                p.score.f1, p.persons_of_two_or_more);
}

void run_answers(const AnswersArgs& args) {
  FaceEngine engine(describing(args.engine));
  const auto photos = library_mix(all_lfw_images(args.engine.data), args.people, args.strangers, args.seed);
  const auto descriptors = describe_images(engine, args.engine.data, photos, args.engine.cache, args.engine.workers);
  const auto curves = evaluate_answers(descriptors, photos, args.threshold, args.seed, args.checkpoints);
  std::printf("%zu photos of %zu people (%zu with 4+ photos, seed %u), FACE_MATCH_THRESHOLD=%g\n", curves.photos,
              curves.identities, args.people, args.seed, args.threshold);
  print_curve("answering the People page's questions:", curves.asked);
  print_curve("as many random merge/move corrections:", curves.random);
  print_curve("the ceiling of these questions: only those answered yes counted:", curves.only_yes);
  std::printf("questions left after the last answer: %zu\n", curves.questions_left);
}

// Options every LFW measurement shares: where the data and weights are, how faces are described.
void add_describe_options(CLI::App* cmd, EvalArgs& a) {
  cmd->add_option("--data", a.data, "LFW folder with pairs.txt and lfw-deepfunneled/")->capture_default_str();
  cmd->add_option("--models", a.models, "Folder with the face-api weights");
  cmd->add_option("--alignment", a.alignment, "rotation or faceapi")->capture_default_str();
  cmd->add_option("--cache", a.cache, "Descriptor cache file (reused between runs with the same settings)");
  cmd->add_flag("!--no-mirror", a.mirror, "Describe the chip alone, not averaged with its mirror image");
  cmd->add_option("--workers", a.workers, "Parallel images")->capture_default_str();
}

// Runs a measurement, turning errors into a message and exit status 2.
template <typename F>
std::function<void()> guarded(F body) {
  return [body] { run_guarded(body); };
}

}  // namespace

void add_eval_commands(CLI::App& app) {
  auto* eval = app.add_subcommand("eval", "Accuracy measurements on labelled data");
  eval->require_subcommand(1);
  auto args = std::make_shared<EvalArgs>();
  auto* lfw = eval->add_subcommand("lfw", "LFW verification, standard 10-fold View-2 protocol");
  add_describe_options(lfw, *args);
  lfw->add_option("--recognition-bits", args->recognition_bits,
                  "Round the recognition weights to this many bits (8: as shipped): what quantisation costs")
      ->capture_default_str();
  lfw->add_flag("--single-pass", args->single_pass, "Only face-api's single detection pass");
  lfw->add_flag("--compare", args->compare, "Both alignments, with and without mirrored chips, side by side");
  lfw->add_flag("--calibrate", args->calibrate,
                "Also describe every LFW photo and print FACE_MATCH_THRESHOLD against false-match rates");
  lfw->callback(guarded([args] { run_lfw(*args); }));

  auto grouping_args = std::make_shared<GroupingArgs>();
  auto* grouping = eval->add_subcommand("grouping", "Group all LFW photos through the ingest assignment path; BCubed scores");
  add_describe_options(grouping, grouping_args->engine);
  grouping->add_option("--rules", grouping_args->rules, "Grouping rules")->capture_default_str();
  grouping->add_option("--thresholds", grouping_args->thresholds, "FACE_MATCH_THRESHOLD values")->capture_default_str();
  grouping->add_option("--seeds", grouping_args->seeds, "Random orders")->capture_default_str();
  grouping->add_flag("--recluster", grouping_args->recluster, "Also score after `beetroot recluster`");
  grouping->callback(guarded([grouping_args] { run_grouping(*grouping_args); }));

  auto answers_args = std::make_shared<AnswersArgs>();
  auto* answers = eval->add_subcommand(
      "answers", "What answering the People page's questions is worth: BCubed after 0..500 answers, against random corrections");
  add_describe_options(answers, answers_args->engine);
  answers->add_option("--threshold", answers_args->threshold, "FACE_MATCH_THRESHOLD")->capture_default_str();
  answers->add_option("--people", answers_args->people, "LFW people with 4+ photos (up to 12 each)")->capture_default_str();
  answers->add_option("--strangers", answers_args->strangers, "LFW people of one photo")->capture_default_str();
  answers->add_option("--seed", answers_args->seed, "Which people, and the order they are filed in")->capture_default_str();
  answers->add_option("--checkpoints", answers_args->checkpoints, "Answers after which to score")->capture_default_str();
  answers->callback(guarded([answers_args] { run_answers(*answers_args); }));
}

}  // namespace beetroot::cli
