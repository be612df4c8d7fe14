# sfnlocal as a small image: the static binary on scratch, serving 0.0.0.0:8083.
# Built by `make docker` from bin/ (no base image is pulled, so it builds without a registry).
# Batch jobs need the Docker socket: docker run -v /var/run/docker.sock:/var/run/docker.sock ...
FROM scratch
COPY sfnlocal /sfnlocal
COPY tmp/ /tmp/
ENV SFNLOCAL_ADDR=0.0.0.0:8083 TMPDIR=/tmp
# Durable state: docker run -v sfnlocal-data:/data -e SFNLOCAL_DATA_DIR=/data ... keeps every
# state machine, execution and service resource across restarts (without it, state is in memory).
VOLUME /data
EXPOSE 8083
ENTRYPOINT ["/sfnlocal"]
CMD ["serve"]
