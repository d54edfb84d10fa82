"""parley_c_library: libparley.so.N and libparley.a from a cc_library.

Why not cc_binary(linkshared = True): the core's stand-ins link Abseil and
protobuf as -labsl_* / -lprotobuf, and a cc_binary inherits those flags,
while libparley.a must carry its own, hidden copies of both. This rule takes
the PIC archives Bazel builds for the cc_library and its dependencies (always
in the optimized configuration) and hands them to link_parley.sh, which links
libparley.so.N (soname, version script: only parley_* exported) and a
self-contained libparley.a; its comment says what each one holds and why.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

# The shipped library is always built optimized, whatever -c the command
# gave: `bazel run //:install` must not install a debug build.
def _optimized_impl(settings, attr):
    return {"//command_line_option:compilation_mode": "opt"}

_optimized = transition(
    implementation = _optimized_impl,
    inputs = [],
    outputs = ["//command_line_option:compilation_mode"],
)

def _project_archives(dep):
    root = []
    others = []
    for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
        for library in linker_input.libraries:
            archive = library.pic_static_library or library.static_library
            if archive == None:
                continue
            if linker_input.owner == dep.label:
                root.append(archive)
            else:
                others.append(archive)
    return root, others

def _parley_c_library_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    dep = ctx.attr.dep[0]  # an attribute with a transition is a list
    root, others = _project_archives(dep)
    if len(root) != 1:
        fail("expected one archive for %s, got %s" % (dep.label, root))
    shared = ctx.actions.declare_file("libparley.so." + ctx.attr.abi_version)
    static = ctx.actions.declare_file("libparley.a")

    args = ctx.actions.args()
    args.add(cc_toolchain.compiler_executable)
    args.add(cc_toolchain.objcopy_executable)
    args.add(cc_toolchain.ar_executable)
    args.add(ctx.file.version_script)
    args.add("libparley.so." + ctx.attr.abi_version)
    args.add(shared)
    args.add(static)
    args.add(root[0])
    args.add_all(others)
    ctx.actions.run(
        executable = ctx.executable._link_script,
        arguments = [args],
        inputs = depset(
            root + others + [ctx.file.version_script],
            transitive = [cc_toolchain.all_files],
        ),
        outputs = [shared, static],
        mnemonic = "ParleyLink",
        use_default_shell_env = True,
        progress_message = "Linking libparley (shared and static)",
    )
    return [DefaultInfo(
        files = depset([shared, static]),
        runfiles = ctx.runfiles(files = [shared, static]),
    )]

parley_c_library = rule(
    implementation = _parley_c_library_impl,
    attrs = {
        "dep": attr.label(
            mandatory = True,
            providers = [CcInfo],
            cfg = _optimized,
        ),
        "version_script": attr.label(mandatory = True, allow_single_file = True),
        "abi_version": attr.string(mandatory = True),
        "_link_script": attr.label(
            default = ":link_parley",
            executable = True,
            cfg = "exec",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
        "_cc_toolchain": attr.label(
            default = "@bazel_tools//tools/cpp:current_cc_toolchain",
        ),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
)
