# synth as a container: a static (musl) binary on an empty image, run as a non-root user.
#   docker build -t synth .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work synth --all --out out
# Alpine's Rust targets musl and links statically by default, so the binary needs no libc
# and runs on `scratch`, which holds nothing else an attacker could use.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin synth \
    && ./target/release/synth --version

FROM scratch
COPY --from=build /src/target/release/synth /synth
COPY --from=build /src/LICENSE /LICENSE
# Any unprivileged id works (the image has no /etc/passwd); `docker run --user` overrides
# it with the caller's, so written files belong to them.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/synth"]
CMD ["--help"]
