"""The course loop in a real browser: JupyterLab 4 with nbgrader's extension, a student and an instructor.

Two JupyterLab servers (the student's folder, the course folder), each on
127.0.0.1 with token auth and its own HOME, share an exchange configured the
way ``scripts/setup.sh`` configures one (``autograder.exchange.configure``).
Headless Chromium (Debian's, driven by Playwright) walks the loop:
(a) the student fetches 01_neuron, types an answer, runs all, validates and
submits; (b) formgrader collects, its Autograde button grades through the
engine, Manage Submissions shows the score and no "needs manual grading",
the submission's page shows check reports and no hidden-test source;
(c) feedback is generated and released, the student fetches and opens it,
and the instructor report's links and plots load; (d) the Keras notebook's
set-up cells run in JupyterLab's kernel, offline. A screenshot of every step
goes to ``browser-screenshots/`` (ignored by git); nbgrader's extension must
log no JavaScript error.
"""
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder import exchange
from autograder import notebooks as nbs
from autograder import stock
from autograder.engine.sandboxed_autograde import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Lab, Screens
from tests.conftest import ROOT
from tests.course_factory import ENGINE_CONFIG

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.xdist_group("browser"),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/setup.sh)")]

ASSIGNMENT = "01_neuron"
RELU = "def relu(z):\n    \"\"\"Elementwise max(z, 0).\"\"\"\n    return np.maximum(z, 0.0)\n"
HIDDEN = ("run_in_kernel", "BEGIN HIDDEN TESTS", "autograder.hidden")
CONFIG = ENGINE_CONFIG.format(cell_timeout=30, submission_timeout=300, memory_mb=2048, workers=1) + f"""
c.CourseDirectory.course_id = "dl-course"
c.Autograde.sanitize_preprocessors = {SANITIZE_PREPROCESSORS!r}
c.Autograde.autograde_preprocessors = {AUTOGRADE_PREPROCESSORS!r}
"""
WAIT = 60_000  # ms: JupyterLab on a busy 2-core machine
GRADING = 240_000  # ms: formgrader's Autograde grades one submission in the sandbox


def expect(locator):
    return playwright.expect(locator)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """The course, the student's folder, both servers and the browser; everything stopped afterwards."""
    base = tmp_path_factory.mktemp("browser")
    course, student_dir = base / "course", base / "student"
    stock.released_course(course, ROOT, [ASSIGNMENT], 60, CONFIG)
    config_dir = exchange.configure(course, base / "exchange", base / "jupyter-config").parent
    saved = os.environ.get("JUPYTER_CONFIG_PATH")
    os.environ["JUPYTER_CONFIG_PATH"] = str(config_dir)  # the setup's default, pointed at a temp exchange
    stock.nbgrader(["release_assignment", ASSIGNMENT], course)
    (student_dir / "06_keras_basics").mkdir(parents=True)
    shutil.copy(ROOT / "release" / "06_keras_basics" / "keras_basics.ipynb", student_dir / "06_keras_basics")
    # The servers run as a student's would: without the test session's MPLBACKEND=Agg (conftest), which would keep
    # the kernels from drawing plots inline.
    env = {**{k: v for k, v in os.environ.items() if k != "MPLBACKEND"}, "COURSE_OFFLINE": "1",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    with ThreadPoolExecutor(2) as pool:
        labs = list(pool.map(lambda who: Lab(who[0], base / f"home-{who[1]}", env, base / f"{who[1]}.log").wait(),
                             [(student_dir, "student"), (course, "instructor")]))
    screens = Screens(ROOT / "browser-screenshots")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {who: screens.watch(browser.new_page(viewport={"width": 1400, "height": 900}), who)
                 for who in ("student", "instructor")}
        try:
            yield {"course": course, "student_dir": student_dir, "student": labs[0], "instructor": labs[1],
                   "pages": pages, "screens": screens, "browser": browser}
        finally:
            browser.close()
            for lab in labs:
                lab.stop()
            if saved is None:
                os.environ.pop("JUPYTER_CONFIG_PATH", None)
            else:
                os.environ["JUPYTER_CONFIG_PATH"] = saved


def open_lab(page, lab):
    """JupyterLab with its launcher: ``?reset`` drops the layout an earlier visit left (open notebooks, tabs)."""
    page.goto(lab.url("lab?reset"))
    page.locator(".jp-LauncherCard").first.wait_for(timeout=WAIT)


def menu(page, top, item):
    """Choose ``item`` (a command id, or the label shown) from the menu bar's ``top`` menu."""
    page.locator(f'.lm-MenuBar-itemLabel:text-is("{top}")').click()
    page.locator(f'li[data-command="{item}"], .lm-Menu-item:has(.lm-Menu-itemLabel:text-is("{item}"))').first.click()


def open_in_file_browser(page, *names):
    page.locator(".jp-BreadCrumbs-home").click()
    for name in names:
        page.locator(f'.jp-DirListing-item[title^="Name: {name}"]').dblclick()


def open_assignment_list(page):
    tab = page.locator('.lm-TabBar-tab:has-text("Assignments")')
    if tab.count():
        tab.first.click()
    else:
        menu(page, "Nbgrader", "nbgrader:open-assignment-list")
    page.locator("#refresh_assignments_list").click()


def run_all_and_wait(page, cells):
    menu(page, "Run", "Run All Cells")
    prompts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt")
    expect(prompts.filter(has_text="[*]")).to_have_count(0, timeout=WAIT)
    expect(prompts.filter(has_text="[ ]")).to_have_count(0, timeout=WAIT)
    assert prompts.count() >= cells


def test_a_student_fetches_types_an_answer_validates_and_submits(loop):
    page, screens = loop["pages"]["student"], loop["screens"]
    open_lab(page, loop["student"])
    screens.shot(page, "student-lab")
    open_assignment_list(page)
    released = page.locator("#released_assignments_list > .list_item")
    expect(released.locator(".item_name")).to_have_text(ASSIGNMENT, timeout=WAIT)
    screens.shot(page, "student-released")
    released.first.locator(".item_status button").click()
    expect(page.locator("#fetched_assignments_list > .list_item .item_name").first).to_have_text(ASSIGNMENT, timeout=WAIT)
    screens.shot(page, "student-fetched")
    # The student wrote every other answer earlier; relu is typed now, through the editor.
    path = loop["student_dir"] / ASSIGNMENT / "neuron.ipynb"
    source = nbs.read(loop["course"] / "source" / ASSIGNMENT / "neuron.ipynb")
    fetched = nbs.read(path)
    stub = next(c.source for c in fetched.cells if nbs.grade_id(c) == "relu")
    nbformat.write(nbs.make_submission(fetched, source, {"relu": stub}), str(path))
    open_in_file_browser(page, ASSIGNMENT, "neuron.ipynb")
    cell = page.locator(".jp-CodeCell").filter(has_text="def relu(z):")
    editor = cell.locator(".cm-content")
    editor.wait_for(timeout=WAIT)
    expect(cell).to_contain_text("raise NotImplementedError()")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(RELU)
    expect(cell).to_contain_text("np.maximum(z, 0.0)")
    page.keyboard.press("Control+s")
    screens.shot(page, "student-typed-relu")
    run_all_and_wait(page, cells=10)
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    screens.shot(page, "student-ran-all")
    page.locator("jp-button.validate-button").first.click()
    page.locator(".nbgrader-SuccessDialog .validation-success").wait_for(timeout=GRADING)
    screens.shot(page, "student-validated")
    page.keyboard.press("Escape")
    open_assignment_list(page)
    page.locator('#fetched_assignments_list .item_status button:text("Submit")').first.click()
    expect(page.locator("#submitted_assignments_list > .list_item .item_name").first).to_have_text(ASSIGNMENT,
                                                                                                   timeout=WAIT)
    screens.shot(page, "student-submitted")


def formgrader(page):
    return page.frame_locator("iframe[src*='formgrader']")


def close_modal(frame, kind="success-modal"):
    modal = frame.locator(f"#{kind}")
    modal.wait_for(timeout=GRADING)
    modal.locator(".modal-footer button").first.click()
    expect(modal).to_have_count(0, timeout=WAIT)


def test_b_instructor_collects_and_autogrades_through_the_engine_in_formgrader(loop):
    page, screens = loop["pages"]["instructor"], loop["screens"]
    open_lab(page, loop["instructor"])
    menu(page, "Nbgrader", "nbgrader:open-formgrader")
    frame = formgrader(page)
    row = frame.locator("tr", has=frame.locator(f'td.name:has-text("{ASSIGNMENT}")'))
    row.locator("td.collect a").click(timeout=WAIT)
    close_modal(frame)
    expect(row.locator("td.num-submissions")).to_have_text("1", timeout=WAIT)
    screens.shot(page, "instructor-collected")
    row.locator("td.num-submissions a").click()
    submission = frame.locator("tr", has=frame.locator("td.autograde"))
    expect(submission.locator("td.status")).to_have_text("needs autograding", timeout=WAIT)
    screens.shot(page, "instructor-before-autograde")
    submission.locator("td.autograde a").click()
    close_modal(frame)  # formgrader's Autograde button: the engine grades it in the sandbox
    expect(submission.locator("td.status")).to_have_text("graded", timeout=WAIT)
    expect(submission.locator("td.score")).to_have_text("20 / 20")
    expect(submission.locator("td.timestamp")).not_to_have_text("None")
    expect(frame.locator("body")).not_to_contain_text("needs manual grading")
    screens.shot(page, "instructor-graded")
    assert (loop["course"] / "autograded").glob(f"*/{ASSIGNMENT}/autograder.json"), "not graded by the engine"
    submission.locator("td.student-name a").click()
    frame.locator("td.name a").first.click(timeout=WAIT)
    body = frame.locator("body")
    expect(body).to_contain_text("PASS  relu matches max(z, 0) on hidden inputs", timeout=WAIT)
    text = body.inner_text()
    assert not [h for h in HIDDEN if h in text]
    screens.shot(page, "instructor-submission-page")


def test_c_feedback_is_released_fetched_and_opened_and_the_report_links_it(loop):
    page, screens = loop["pages"]["instructor"], loop["screens"]
    frame = formgrader(page)
    # From the submission's page (where b ends): its breadcrumb leads to Manual Grading, whose side bar to Assignments.
    frame.locator(".breadcrumb a", has_text="Manual Grading").click(timeout=WAIT)
    frame.locator(".nav-stacked a", has_text="Manage Assignments").click(timeout=WAIT)
    row = frame.locator("tr", has=frame.locator(f'td.name:has-text("{ASSIGNMENT}")'))
    row.locator("td.generate-feedback a").click(timeout=WAIT)
    close_modal(frame)
    row.locator("td.release-feedback a").click(timeout=WAIT)
    close_modal(frame)
    screens.shot(page, "instructor-feedback-released")
    grade = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT], cwd=loop["course"],
                           capture_output=True, text=True, env={**os.environ, "COURSE_OFFLINE": "1"})
    assert grade.returncode == 0, grade.stderr[-2000:]  # unchanged since formgrader graded it: the report is written
    report = loop["browser"].new_page()
    loop["screens"].watch(report, "report")
    report.goto(loop["instructor"].url(f"files/reports/{ASSIGNMENT}.html"))
    assert_page_is_clean(report)
    report.locator("a", has_text="feedback").first.click()
    expect(report.locator("h1")).to_contain_text("feedback for", timeout=WAIT)
    assert_page_is_clean(report)
    screens.shot(report, "instructor-report-feedback-link")

    student = loop["pages"]["student"]
    open_assignment_list(student)
    student.locator('#submitted_assignments_list button:text("Fetch Feedback")').first.click(timeout=WAIT)
    student.locator("#submitted_assignments_list a", has_text="view feedback").first.click(timeout=WAIT)
    listing = student.locator(".jp-DirListing-item")
    expect(listing.filter(has_text="feedback.html")).to_have_count(1, timeout=WAIT)
    expect(listing.filter(has_text="neuron.html")).to_have_count(1)
    screens.shot(student, "student-feedback-fetched")
    folder = next((loop["student_dir"] / ASSIGNMENT / "feedback").iterdir())
    for name in ("neuron.html", "feedback.html"):
        view = loop["browser"].new_page()
        loop["screens"].watch(view, "feedback")
        view.goto(loop["student"].url(f"files/{ASSIGNMENT}/feedback/{folder.name}/{name}"))
        assert_page_is_clean(view)
        screens.shot(view, f"student-opens-{name.replace('.', '-')}")
        view.close()


def assert_page_is_clean(page):
    """Every image on the page loaded, and no hidden-test source or hidden data is in it."""
    page.wait_for_load_state("load")
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0
    html = page.content()
    assert not [h for h in HIDDEN if h in html]


def test_d_keras_notebook_set_up_cells_run_offline_in_jupyterlab(loop):
    page, screens = loop["pages"]["student"], loop["screens"]
    open_lab(page, loop["student"])  # a fresh page, also when this test runs alone
    open_in_file_browser(page, "06_keras_basics", "keras_basics.ipynb")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    code = panel.locator(".jp-CodeCell")
    code.first.locator(".cm-content").wait_for(timeout=WAIT)
    # The session's kernel is connected (a cell run before that is cleared, not queued); the toolbar's execution
    # indicator starts at "idle" before any kernel is there, the status bar does not.
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).wait_for(timeout=WAIT)
    # The imports (keras, the course's datasets), then the XOR data and its plot; a markdown cell lies between.
    for k, prompt in enumerate(("[1]:", "[2]:")):
        code.nth(k).locator(".cm-content").click()
        expect(code.nth(k)).to_have_class(re.compile(r"\bjp-mod-active\b"))
        page.keyboard.press("Shift+Enter")
        expect(code.nth(k).locator(".jp-InputPrompt")).to_have_text(prompt, timeout=GRADING)
    assert panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    expect(panel.locator(".jp-OutputArea-output img").first).to_be_visible()
    screens.shot(page, "student-keras-set-up")


def test_nbgraders_extension_logged_no_javascript_errors(loop):
    assert loop["screens"].errors == []
