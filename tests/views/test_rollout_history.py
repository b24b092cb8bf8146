"""Rollout history: one revision per ReplicaSet of the Deployment, ready bars in health colours, the
current revision marked, and unknown Deployments refused with the names there are."""

from __future__ import annotations

import pytest

from tests.views.conftest import analysed, annotation_texts, values
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import ReplicaSets
from workbench.model import ObjectRef, Severity
from workbench.views import rollout_history, theme


def test_a_stuck_rollout_shows_both_revisions_and_the_new_one_not_ready() -> None:
    frames, _ = analysed("rollout-stuck")
    fig = rollout_history(frames, "accounts/profile-api")
    desired, ready = fig.data
    assert (desired.name, ready.name) == ("desired", "ready")
    rs = frames.replicasets[frames.replicasets[ReplicaSets.OWNER_NAME] == "profile-api"].sort_values(
        ReplicaSets.REVISION
    )
    assert values(ready.x) == [f"rev {r}" for r in rs[ReplicaSets.REVISION]] == ["rev 1", "rev 2"]
    assert values(desired.y) == rs[ReplicaSets.REPLICAS].to_list()
    assert values(ready.y) == rs[ReplicaSets.READY_REPLICAS].to_list()
    assert values(ready.customdata) == rs[ReplicaSets.NAME].to_list()
    # rev 1 still serves every replica it wants; rev 2 wants one and has none ready.
    assert values(ready.marker.color) == [theme.HEALTHY_COLOR, theme.severity_color(Severity.ERROR)]
    assert [t.split(":")[-1] for t in values(ready.text)] == ["4.2.0", "4.3.0"]
    current = [a for a in fig.layout.annotations if a.name == "current"]
    assert [a.x for a in current] == ["rev 2"]
    assert fig.layout.xaxis.title.text == "revision"
    assert fig.layout.yaxis.title.text == "replicas"


def test_an_old_revision_scaled_to_zero_is_grey_and_refs_and_bare_names_work() -> None:
    frames, _ = analysed("healthy")
    by_ref = rollout_history(frames, ObjectRef("Deployment", "kube-system", "coredns"))
    by_name = rollout_history(frames, "coredns")
    for fig in (by_ref, by_name):
        assert values(fig.data[1].x) == ["rev 1", "rev 2"]
        assert values(fig.data[1].marker.color) == ["#DDDDDD", theme.HEALTHY_COLOR]
    assert rollout_history(frames, "coredns", namespace="kube-system").data[1].y is not None


def test_a_deployment_without_replicasets_gives_a_figure_that_says_so() -> None:
    frames, _ = analysed("healthy")
    no_sets = Frames({n: frames[n] for n in frames.pulled if n != ReplicaSets.FRAME}, source="test")
    fig = rollout_history(no_sets, "kube-system/coredns")
    assert annotation_texts(fig, "nothing to show") == [
        "Nothing to show: Deployment kube-system/coredns owns no ReplicaSets"
    ]


@pytest.mark.parametrize(
    ("deployment", "words"),
    [
        ("kube-system/nope", ["no Deployment kube-system/nope", "kube-system/coredns"]),
        ("nope", ["no Deployment nope", "kube-system/coredns"]),
        (ObjectRef("StatefulSet", "data", "postgres"), ["draws Deployments", "StatefulSet"]),
    ],
)
def test_an_unknown_deployment_is_refused_with_the_ones_there_are(
    deployment: str | ObjectRef, words: list[str]
) -> None:
    frames, _ = analysed("healthy")
    with pytest.raises(ConfigError) as err:
        rollout_history(frames, deployment)
    for word in words:
        assert word in str(err.value)


@pytest.mark.slow
def test_a_name_in_several_namespaces_must_be_qualified(big: tuple[Frames, object]) -> None:
    frames, _ = big
    names = frames.deployments.groupby("name", observed=True)["namespace"].nunique()
    shared = names[names > 1]
    assert len(shared), "the synthetic cluster reuses application names across namespaces"
    name = str(shared.index[0])
    with pytest.raises(ConfigError, match="several namespaces"):
        rollout_history(frames, name)
