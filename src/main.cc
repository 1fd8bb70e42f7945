// bulwark: a privacy-first security gateway for third-party AI APIs.
#include "cli/common.h"

int main(int argc, char** argv) { return bulwark::cli::Run(argc, argv); }
