// judging.h: how compare and ab say a comparison decided with statistics (compare.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "loadgate/compare.h"

namespace loadgate::cli {

/// The figures of a comma-separated list ("p50,p99").
std::vector<std::string> split_list(const std::string& text);

/// Judges `b` against `a` and writes the sides, the table, the method and the outcome with its
/// evidence to `out`; returns kBreach for a regression, kInconclusive, else kOk (kFailure when
/// writing failed). Throws InputError for an unknown figure.
int print_judgement(const std::string& command, const Side& a, const Side& b, const JudgeOptions& o,
                    std::ostream& out);

}  // namespace loadgate::cli
