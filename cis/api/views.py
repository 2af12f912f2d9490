from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response
from rest_framework.views import APIView

from cis.batch import job_names
from cis.models import BatchRun
from cis.tasks import batch_run_task


class BatchRunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = BatchRun
        fields = [
            "id",
            "job",
            "business_date",
            "status",
            "attempts",
            "total",
            "read",
            "done",
            "errored",
            "skipped",
            "chunks_total",
            "chunks_done",
            "progress",
            "lines",
            "money",
            "line_errors",
            "errors",
            "started_at",
            "finished_at",
        ]


class BatchRunStartSerializer(serializers.Serializer):
    job = serializers.ChoiceField(choices=[])
    business_date = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = job_names()


class BatchRunQueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="The Celery task running the job.")


class BatchRunListView(generics.ListAPIView):
    """Batch runs, newest business date first."""

    queryset = BatchRun.objects.all()
    serializer_class = BatchRunSerializer
    permission_classes = [DjangoModelPermissions]


class BatchRunStartView(APIView):
    """Queue a batch job for a business date (Administrators)."""

    permission_classes = [DjangoModelPermissions]
    queryset = BatchRun.objects.all()

    @extend_schema(request=BatchRunStartSerializer, responses={202: BatchRunQueuedSerializer})
    def post(self, request):
        data = BatchRunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = batch_run_task.delay(
            data.validated_data["job"], data.validated_data["business_date"].isoformat()
        )
        return Response({"task_id": result.id}, status=status.HTTP_202_ACCEPTED)
