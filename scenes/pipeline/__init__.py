"""The render pipeline: plan -> job graph -> run -> publish.

``optviz render`` and ``optviz build`` are two front ends of this one pipeline:

* ``jobs``: what a render needs, as plain, picklable job specs with content digests
  (a digest names a job's result in the store, and keys it in Dask's graph);
* ``manim_job``: the task a worker runs -- Manim's own CLI in a subprocess, with a
  timeout, that returns the files it wrote (workers share no disk with the client);
* ``chunks``: one segment split into runs of beats rendered on different workers,
  joined without re-encoding the video;
* ``engine``: Dask distributed (a ``LocalCluster`` sized to the machine, or a
  cluster by address), progress with an ETA, Ctrl-C;
* ``build``: targets x formats x languages -> jobs -> published files in ``out/``;
* ``course``: the course file ``optviz build`` reads; ``page``: the course's index.html.
"""
