using InnerWarden.Mesh.Benchmarks.Audit;
using InnerWarden.Mesh.Benchmarks.Enforcers;
using InnerWarden.Mesh.Benchmarks.Http;
using InnerWarden.Mesh.Benchmarks.Memory;
using InnerWarden.Mesh.Benchmarks.Pipeline;

// One entry per benchmark; each parses its own options.
return args.FirstOrDefault() switch
{
    "enforcers" => await EnforcerBenchmark.RunAsync(args[1..]),
    "pipeline" => await PipelineBenchmark.RunAsync(args[1..]),
    "http" => await HttpBenchmark.RunAsync(args[1..]),
    "memory" => await MemoryBenchmark.RunAsync(args[1..]),
    "audit" => await AuditBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: InnerWarden.Mesh.Benchmarks <benchmark> [options]
          enforcers [--count N]                               (root; applies and reverts N blocks per backend in a throw-away network namespace)
          pipeline  [--signals N] [--identities K] [--threads T]  in-process inbound pipeline vs raw Ed25519 verify
          http      [--seconds S] [--concurrency C] [--identities K] [--batch B]  live node on loopback: JSON, MessagePack, MessagePack batch
          memory    [--signals N] [--identities K]            RSS after N and after 2N valid signals through the pipeline
          audit     [--signals N] [--identities K]            audit log bytes per signal of a flood from unknown signers, counted vs one line each
        """);
    return 2;
}
